package jobgov.windows;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Pointer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import jobgov.job.JobSpec;
import org.junit.jupiter.api.Test;

/** The completion-port pump's lifecycle against {@link FakeKernel32}'s queue-backed port. */
class CompletionPortPumpFakeKernel32Test {
    final FakeKernel32 fake = new FakeKernel32();

    @Test
    void routesByKeyDropsUnknownKeysSurvivesABrokenSinkAndStopsBeforeThePortCloses() {
        CompletionPortPump pump = CompletionPortPump.open(fake, "test-pump");
        try {
            List<String> got = new CopyOnWriteArrayList<>();
            long bad = pump.register((m, pid) -> {
                throw new IllegalStateException("broken listener");
            });
            long good = pump.register((m, pid) -> got.add(m + "/" + pid));
            fake.PostQueuedCompletionStatus(pump.port(), 6, new Pointer(bad), new Pointer(1));
            fake.PostQueuedCompletionStatus(pump.port(), 6, new Pointer(999), new Pointer(2));
            fake.PostQueuedCompletionStatus(pump.port(), 7, new Pointer(good), new Pointer(3));
            await().atMost(Duration.ofSeconds(5)).until(() -> !got.isEmpty());
            assertEquals(List.of("7/3"), got);
            pump.unregister(good);
            fake.PostQueuedCompletionStatus(pump.port(), 7, new Pointer(good), new Pointer(4));
            assertTrue(pump.isRunning());
        } finally {
            pump.close();
        }
        assertFalse(pump.isRunning(), "the thread ended");
        List<String> c = fake.calls;
        assertTrue(c.lastIndexOf("PostQueuedCompletionStatus") < c.indexOf("CloseHandle:port"), c.toString());
        pump.close(); // idempotent
    }

    @Test
    void aClosedPortEndsThePumpLikeErrorAbandonedWait() {
        CompletionPortPump pump = CompletionPortPump.open(fake, "test-pump");
        fake.CloseHandle(pump.port());
        await().atMost(Duration.ofSeconds(5)).until(() -> !pump.isRunning());
    }

    @Test
    void theBackendStartsOnePumpForItsJobsAndStopsItWithTheLast() {
        WindowsBackend backend = new WindowsBackend(() -> fake, "Windows 10", "10.0");
        var a = backend.create(JobSpec.named("pump-a"), e -> { });
        var b = backend.create(JobSpec.named("pump-b"), e -> { });
        CompletionPortPump pump = backend.pump();
        assertEquals(2, pump.registered());
        assertEquals(1, fake.calls.stream().filter(c -> c.equals("CreateIoCompletionPort")).count());
        a.close();
        assertTrue(pump.isRunning());
        b.close();
        assertFalse(pump.isRunning());
        assertEquals(null, backend.pump());
    }
}
