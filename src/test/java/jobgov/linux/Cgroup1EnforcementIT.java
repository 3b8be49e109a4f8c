package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The kernel enforces the cgroup1 job's limits on real child processes, and the limit events fire. */
class Cgroup1EnforcementIT {
    private GovernedJobs jobs;

    @BeforeEach
    void setUp() {
        Requirements.cgroupV1();
        jobs = new GovernedJobs();
    }

    @AfterEach
    void tearDown() {
        if (jobs != null) {
            jobs.close();
        }
    }

    @Test
    void allocatingPastTheJobMemoryLimitIsOomKilledAndJobMemoryLimitFires() throws Exception {
        Job job = jobs.create("memory", JobLimits.builder().jobMemoryBytes(64L << 20).build());
        // tail keeps a line without newlines in memory: 300 MiB of zeros is one such line
        Process p = jobs.start(job, "/bin/sh", "-c", "head -c 300m /dev/zero | tail");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the allocating pipeline should have been ended by the OOM killer");
        java.time.Instant ended = java.time.Instant.now();
        await().atMost(Duration.ofSeconds(5)).until(() -> !jobs.events(JobEvent.JobMemoryLimit.class).isEmpty());
        JobEvent.JobMemoryLimit e = jobs.events(JobEvent.JobMemoryLimit.class).get(0);
        System.out.println("cgroup1 JobMemoryLimit " + Duration.between(e.time(), ended).toMillis() + " ms before the pipeline's exit was seen");
        assertEquals(64L << 20, e.limitBytes());
        assertTrue(e.oomKills() >= 1, "oom_kill counter: " + e);
        assertTrue(job.counters().peakJobMemoryUsedBytes() <= (64L << 20), "peak stays under the limit: " + job.counters());
        assertTrue(p.exitValue() != 0, "tail was killed");
    }

    @Test
    void aShellStartingMoreThanTheProcessLimitGetsForkFailuresAndActiveProcessLimitFires() throws Exception {
        Job job = jobs.create("processes", JobLimits.builder().activeProcesses(8).build());
        // dash gives up with "Cannot fork" (exit 2) at the first refused fork
        Process p = jobs.start(job, "/bin/sh", "-c", "i=0; while [ $i -lt 20 ]; do sleep 30 >/dev/null 2>&1 & i=$((i+1)); done; echo all-started");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        java.time.Instant failed = java.time.Instant.now();
        assertTrue(out.contains("Cannot fork") && !out.contains("all-started"), "the shell's fork failed: " + out);
        assertEquals(2, p.exitValue());
        assertEquals(7, job.pids().size(), "the 7 sleeps that fit beside the shell under processes=8: " + job.pids());
        await().atMost(Duration.ofSeconds(5)).until(() -> !jobs.events(JobEvent.ActiveProcessLimit.class).isEmpty());
        JobEvent.ActiveProcessLimit e = jobs.events(JobEvent.ActiveProcessLimit.class).get(0);
        assertEquals(8, e.limit());
        System.out.println("cgroup1 ActiveProcessLimit " + Duration.between(e.time(), failed).toMillis() + " ms before the shell's exit was seen");
        String pidsMax = CgroupFiles.read(Path.of(job.location().replaceAll(".*pids=(\\S+).*", "$1"), "pids.events"));
        assertFalse(pidsMax.endsWith(" 0"), "pids.events counted refused forks: " + pidsMax);
    }
}
