package jobgov.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import jobgov.job.Job;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/** On the real hierarchies: the guard refuses this JVM's own cgroups and the roots; a job holding the caller spares it. */
class Cgroup1GuardIT {
    @Test
    void guardRefusesTheOwnCgroupAndEveryRoot() {
        Requirements.cgroupV1();
        CgroupMounts m = CgroupMounts.read();
        CgroupGuard guard = new CgroupGuard(m);
        for (Path own : m.ownDirsNow().values()) {
            for (CgroupGuard.Operation op : CgroupGuard.Operation.values()) {
                assertThrows(JobException.class, () -> guard.check(own, op, true), own + " " + op);
            }
        }
        for (Hierarchy h : m.hierarchies()) {
            assertThrows(JobException.class, () -> guard.check(h.mountPoint(), CgroupGuard.Operation.KILL, true));
            assertThrows(JobException.class, () -> guard.check(Path.of(h.mountPoint() + "/"), CgroupGuard.Operation.LIMIT, true));
        }
    }

    @Test
    void terminateOfAJobHoldingTheCallerKillsEveryoneElseAndKeepsTheHost() throws Exception {
        Requirements.cgroupV1();
        try (GovernedJobs jobs = new GovernedJobs()) {
            Job job = jobs.create("keephost", JobLimits.builder().activeProcesses(100).build());
            Process child = jobs.start(job, "sleep", "300");
            long self = ProcessHandle.current().pid();
            try {
                job.assign(self);
                assertTrue(job.pids().contains(self));
                job.setLimits(JobLimits.builder().activeProcesses(200).build()); // limits on our own job are allowed
                job.terminate(1);
                assertEquals(java.util.List.of(self), job.pids(), "only the host is left");
                assertTrue(child.waitFor(5, java.util.concurrent.TimeUnit.SECONDS));
            } finally {
                job.close(); // moves the host back out before removing the cgroups
            }
            for (Path d : CgroupMounts.read().ownDirsNow().values()) {
                assertTrue(!d.toString().contains("jobgov-"), "the host left the job: " + d);
            }
            assertEquals(0, GovernedJobs.cgroupsNamed(job.name()).size());
        }
    }
}
