package jobgov.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import jobgov.job.Job;
import jobgov.job.JobLimits;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/** cpu=25% caps the job at a quarter of the whole machine, measured from the kernel's cpuacct. */
class Cgroup1CpuIT {
    @Test
    void busyLoopsUnderA25PercentCapGetAtMostAQuarterOfTheMachine() throws Exception {
        Requirements.cgroupV1();
        try (GovernedJobs jobs = new GovernedJobs()) {
            Job job = jobs.create("cpu", JobLimits.builder().cpuRatePercent(25.0).build());
            int cpus = Cgroup1Backend.machineCpus();
            Path acct = Path.of(job.location().replaceAll(".*cpuacct=(\\S+).*", "$1"));
            assertTrue(acct.toString().contains("jobgov-"), job.location());
            // one busy loop per CPU: uncapped they would take the whole machine
            StringBuilder loops = new StringBuilder();
            for (int i = 0; i < cpus; i++) {
                loops.append("(while :; do :; done) & ");
            }
            jobs.start(job, "/bin/sh", "-c", loops + "wait");
            Thread.sleep(500);
            long u0 = CgroupFiles.readLong(acct.resolve("cpuacct.usage"), 0);
            long t0 = System.nanoTime();
            Thread.sleep(3000);
            long used = CgroupFiles.readLong(acct.resolve("cpuacct.usage"), 0) - u0;
            long wall = System.nanoTime() - t0;
            double share = (double) used / wall / cpus;
            System.out.printf("cgroup1 cpu=25%%: the job got %.1f%% of %d CPUs over %.1f s%n", share * 100, cpus, wall / 1e9);
            assertTrue(share <= 0.28, "share of the machine " + share);
            assertTrue(share > 0.02, "the loops ran at all: " + share);
            job.terminate(1);
        }
    }
}
