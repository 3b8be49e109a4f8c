package jobgov.reliability;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;
import jobgov.job.LimitSpec;
import jobgov.testing.LiveProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A fork bomb inside a job with a process limit: the host lives, the storm stays inside, terminate leaves 0. */
class ForkStormIT {
    private static final int LIMIT = 64;
    private final String prefix = Leftovers.prefix();
    private final String marker = Leftovers.marker();

    @AfterEach
    void cleanUp() {
        Leftovers.cleanUp(prefix, marker);
    }

    @Test
    void forkBombUnderProcessLimitIsContainedAndTerminatedWithNoEscapee() throws Exception {
        Leftovers.kernelBackend();
        AtomicInteger limitEvents = new AtomicInteger();
        try (Job job = Jobs.create(new JobSpec(prefix, null, LimitSpec.parse("processes=" + LIMIT)))) {
            job.subscribe(e -> {
                if (e instanceof JobEvent.ActiveProcessLimit) {
                    limitEvents.incrementAndGet();
                }
            });
            // every level double-forks a marked sleep (reparented out of the tree) and forks itself twice
            job.start(new ProcessBuilder("bash", "-c", "b() { (sleep 1000 \"$1\" &); b \"$1\" & b \"$1\"; }; b \"$1\"", "bomb", marker)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD));
            await().atMost(Duration.ofSeconds(20)).until(() -> limitEvents.get() > 0);
            long end = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < end) {
                List<Long> inJob = job.pids();
                assertTrue(inJob.size() <= LIMIT, "the job holds " + inJob.size() + " processes, over its limit " + LIMIT);
                Set<Long> members = new HashSet<>(job.pids());
                for (long pid : Leftovers.processes(marker)) {
                    // a marked process seen outside the job must have exited in between
                    assertTrue(members.contains(pid) || !LiveProcesses.alive(pid) || job.pids().contains(pid),
                            "marked process " + pid + " escaped the job");
                }
                // the host is not starved: it can still start a process of its own
                assertEquals(0, new ProcessBuilder("true").start().waitFor());
                Thread.sleep(200);
            }
            job.terminate(137);
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
                assertEquals(List.of(), Leftovers.processes(marker), "escapees after terminate");
                assertEquals(List.of(), job.pids(), "job not empty after terminate");
            });
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(List.of(), Leftovers.cgroups(prefix)));
    }
}
