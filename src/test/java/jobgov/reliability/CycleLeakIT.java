package jobgov.reliability;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jobgov.job.Job;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;
import jobgov.job.LimitSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** 1,000 job create/close cycles and 1,000 limit changes, 8 threads at once: nothing may leak. */
class CycleLeakIT {
    private static final int THREADS = 8;
    private static final int TOTAL = 1000;
    private final String prefix = Leftovers.prefix();

    @BeforeEach
    void cgroups() {
        Leftovers.kernelBackend();
    }

    @AfterEach
    void cleanUp() {
        Leftovers.cleanUp(prefix, null);
    }

    @Test
    void thousandCreateCloseCyclesFromEightThreadsLeaveNoCgroupFdOrThread() throws Exception {
        warmUp();
        int fds = Leftovers.openFds();
        List<String> threads = Leftovers.threads();
        AtomicInteger cycles = new AtomicInteger();
        runOnEightThreads(TOTAL, (t, i) -> {
            JobLimits limits = LimitSpec.parse("memory=64m,processes=16");
            try (Job job = Jobs.create(new JobSpec(prefix + "-" + t + "-" + i, null, limits))) {
                if (i % 25 == 0) {
                    job.start(new ProcessBuilder("true")).waitFor();
                }
            }
            cycles.incrementAndGet();
        });
        assertEquals(TOTAL, cycles.get());
        assertNothingLeaked(fds, threads);
    }

    @Test
    void thousandLimitChangesFromEightThreadsEndConsistentAndLeakNothing() throws Exception {
        warmUp();
        int fds = Leftovers.openFds();
        List<String> threads = Leftovers.threads();
        List<String> specs = List.of("memory=64m,processes=16", "memory=96m,processes=32", "memory=128m,processes=8", "memory=200m,processes=64");
        try (Job job = Jobs.create(new JobSpec(prefix + "-limits", null, LimitSpec.parse(specs.get(0))))) {
            runOnEightThreads(TOTAL, (t, i) -> job.setLimits(specs.get((t + i) % specs.size())));
            // whatever write won last, the kernel holds exactly what the job says it holds
            JobLimits now = job.limits();
            assertTrue(specs.stream().map(LimitSpec::parse).anyMatch(now::equals), "limits are one of the written sets: " + now);
            Path memory = Leftovers.dir(job.location(), "memory");
            Path pids = Leftovers.dir(job.location(), "pids");
            assertEquals(now.jobMemoryBytes().longValue(), Long.parseLong(Files.readString(memory.resolve("memory.limit_in_bytes")).trim()));
            assertEquals(now.activeProcesses().toString(), Files.readString(pids.resolve("pids.max")).trim());
        }
        assertNothingLeaked(fds, threads);
    }

    /** Loads the backend's classes and threads once, so the baseline counts are those of a warm JVM. */
    private void warmUp() {
        try (Job job = Jobs.create(JobSpec.named(prefix + "-warm"))) {
            job.counters();
        }
    }

    private void assertNothingLeaked(int fds, List<String> threads) {
        await().pollInSameThread().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(List.of(), Leftovers.cgroups(prefix), "cgroups left"));
        // polled on this thread: Awaitility's own poller thread would count as a leak
        await().pollInSameThread().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertTrue(Leftovers.threads().size() <= threads.size(),
                "threads now " + Leftovers.threads() + ", before " + threads));
        await().pollInSameThread().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertTrue(Leftovers.openFds() <= fds,
                "open fds " + Leftovers.openFds() + " > " + fds + " before"));
    }

    interface Step {
        void run(int thread, int index) throws Exception;
    }

    private static void runOnEightThreads(int total, Step step) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < total / THREADS; i++) {
                        step.run(thread, i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
