package jobgov.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import jobgov.job.Job;
import jobgov.job.JobLimits;
import jobgov.job.LimitRefusedException;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/**
 * A process limit on a job holding this JVM counts the JVM's threads: a hostile {@code setLimits("processes=1")} (over
 * JMX or Jolokia, or from a policy) would leave the host unable to start a thread. It is refused, nothing is written,
 * and the JVM goes on starting threads; a limit above the job's tasks is applied as asked.
 */
class HostProcessLimitIT {
    @Test
    void aProcessLimitAtOrBelowTheHostsOwnTasksIsRefusedAndNothingIsWritten() throws Exception {
        Requirements.cgroupV1();
        try (GovernedJobs jobs = new GovernedJobs()) {
            Job job = jobs.create("host-pids", JobLimits.NONE);
            var pidsMax = GovernedJobs.cgroupsNamed(job.name()).stream()
                    .filter(d -> Files.exists(d.resolve("pids.max"))).findFirst().orElseThrow().resolve("pids.max");
            job.assign(ProcessHandle.current().pid()); // keep-host: the job holds this JVM and its threads
            for (String hostile : new String[] {"processes=1", "processes=2", "processes=" + Thread.activeCount()}) {
                LimitRefusedException e = assertThrows(LimitRefusedException.class, () -> job.setLimits(hostile), hostile);
                assertTrue(e.getMessage().contains("threads"), e.getMessage());
                assertEquals("max", Files.readString(pidsMax).trim(), "nothing written for " + hostile);
                assertEquals(null, job.limits().activeProcesses());
            }
            Thread t = new Thread(() -> { });
            t.start(); // the host still starts threads
            t.join();
            job.setLimits("processes=4096");
            assertEquals("4096", Files.readString(pidsMax).trim());
        }
    }
}
