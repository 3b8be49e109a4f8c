package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.UUID;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/** Terminate kills the whole tree, double-forked daemons included (which a descendants() walk misses). */
class Cgroup1TerminateIT {
    @Test
    void terminateLeavesNoSurvivorOfA400ProcessTreeHalfDoubleForked() throws Exception {
        Requirements.cgroupV1();
        String marker = "1000." + Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000);
        try (GovernedJobs jobs = new GovernedJobs()) {
            Job job = jobs.create("terminate", JobLimits.NONE);
            jobs.start(job, "/bin/sh", "-c", "i=0; while [ $i -lt 200 ]; do sleep " + marker + " & (sleep " + marker
                    + " &); i=$((i+1)); done; wait");
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> GovernedJobs.sleeping(marker).size() == 400);
            long orphans = GovernedJobs.sleeping(marker).stream()
                    .filter(pid -> ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(p -> p.pid() == 1).orElse(true)).count();
            assertTrue(orphans >= 150, "about half the tree is double-forked away from the shell: " + orphans);
            long t0 = System.nanoTime();
            job.terminate(1);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(0, GovernedJobs.sleeping(marker).size(), "survivors after terminate (" + ms + " ms)");
            assertEquals(0, job.pids().size());
            await().atMost(Duration.ofSeconds(2)).until(() -> !jobs.events(JobEvent.ActiveProcessZero.class).isEmpty());
            System.out.println("cgroup1 terminate of 401 processes: " + ms + " ms");
        } finally {
            for (long pid : GovernedJobs.sleeping(marker)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
