package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.UUID;
import jobgov.job.Job;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/** Create/close cycles leave nothing behind: no cgroup, no event thread, no watchdog. */
class Cgroup1LifecycleIT {
    @Test
    void twoHundredCreateCloseCyclesLeaveNoCgroupsAndNoThreads() throws Exception {
        Requirements.cgroupV1();
        String prefix = "cyc" + UUID.randomUUID().toString().substring(0, 6);
        Cgroup1Backend backend = GovernedJobs.BACKEND;
        JobLimits limits = JobLimits.builder().jobMemoryBytes(256L << 20).activeProcesses(50).cpuWeight(3).build();
        try (Job warm = Job.create(backend, new JobSpec(prefix + "-warm", null, limits))) {
            warm.start(new ProcessBuilder("true")).waitFor(); // the JDK's process reaper thread exists from here on
        }
        int threadsBefore = Thread.activeCount();
        for (int i = 0; i < 200; i++) {
            try (Job job = Job.create(backend, new JobSpec(prefix + "-" + i, null, limits))) {
                if (i % 20 == 0) {
                    Job child = job.createChild(new JobSpec("child", null, JobLimits.builder().activeProcesses(5).build()));
                    child.start(new ProcessBuilder("sleep", "60"));
                    job.start(new ProcessBuilder("sleep", "60"));
                }
            }
        }
        assertEquals(0, GovernedJobs.cgroupsNamed(prefix).size(), "cgroups left: " + GovernedJobs.cgroupsNamed(prefix));
        assertEquals(0, Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("jobgov-events-" + prefix)).count());
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.allProcesses()
                .noneMatch(p -> p.info().commandLine().orElse("").contains("jobgov-watchdog-" + prefix)));
        await().atMost(Duration.ofSeconds(5)).until(() -> Thread.activeCount() <= threadsBefore + 1);
        assertTrue(Thread.activeCount() <= threadsBefore + 1, "threads " + threadsBefore + " -> " + Thread.activeCount());
    }
}
