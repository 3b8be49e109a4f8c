package jobgov.reliability;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;
import jobgov.job.LimitSpec;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Children OOM-killed again and again for a while ({@code -Djobgov.reliability.seconds}, 20 s by default,
 * 60 s in {@code scripts/bench --full}): the OOM kills reported by JobMemoryLimit events add up to the
 * kernel's own {@code oom_kill} counter of the job, and to the children that died by SIGKILL. A backend
 * may fold kills that come close together into one event; the count it carries must not lose any.
 */
class MemoryPressureIT {
    private final String prefix = Leftovers.prefix();

    @AfterEach
    void cleanUp() {
        Leftovers.cleanUp(prefix, null);
    }

    @Test
    void everyOomKillIsReportedInJobMemoryLimitEvents() throws Exception {
        Leftovers.kernelBackend();
        Requirements.command("dd");
        long seconds = Long.getLong("jobgov.reliability.seconds", 20);
        AtomicLong events = new AtomicLong();
        AtomicLong reported = new AtomicLong();
        long killed = 0;
        long children = 0;
        try (Job job = Jobs.create(new JobSpec(prefix, null, LimitSpec.parse("memory=48m")))) {
            job.subscribe(e -> {
                if (e instanceof JobEvent.JobMemoryLimit m) {
                    events.incrementAndGet();
                    reported.accumulateAndGet(m.oomKills(), Math::max);
                }
            });
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                // dd's 200 MiB buffer is touched by read(2): far past the job's 48 MiB
                Process p = job.start(new ProcessBuilder("dd", "if=/dev/zero", "of=/dev/null", "bs=200M", "count=1")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD));
                children++;
                if (p.waitFor() == 137) {
                    killed++;
                }
            }
            Path memory = Leftovers.dir(job.location(), "memory");
            long kernel = oomKills(memory);
            long k = killed;
            System.out.printf("memory pressure: %d s, %d children, %d OOM-killed, kernel oom_kill %d, %d JobMemoryLimit events%n",
                    seconds, children, k, kernel, events.get());
            assertTrue(kernel > 0, "the OOM killer never ran");
            assertEquals(kernel, k, "kernel oom_kill counter vs children killed by SIGKILL");
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                    assertEquals(kernel, reported.get(), "OOM kills reported by events (" + events.get() + " events)"));
        }
    }

    private static long oomKills(Path memoryDir) throws Exception {
        for (String line : Files.readAllLines(memoryDir.resolve("memory.oom_control"))) {
            if (line.startsWith("oom_kill ")) {
                return Long.parseLong(line.substring(9).trim());
            }
        }
        throw new AssertionError("no oom_kill line in " + memoryDir.resolve("memory.oom_control"));
    }
}
