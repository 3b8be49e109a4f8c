package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import jobgov.job.CpuSet;
import jobgov.job.Job;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;
import jobgov.job.PriorityClass;
import jobgov.job.UiRestriction;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/** Limits land in the kernel's files and rlimits; what cgroup1 cannot enforce is refused; a bad limit changes nothing. */
class Cgroup1LimitsIT {
    /** One request per limit kind; a new Limit without a sample here fails the refusal test. */
    static final Map<Limit, JobLimits> SAMPLES = Map.ofEntries(
            Map.entry(Limit.WORKING_SET, JobLimits.builder().workingSetBytes(1L << 20, 8L << 20).build()),
            Map.entry(Limit.CPU_MIN_MAX, JobLimits.builder().cpuMinMaxPercent(10.0, 20.0).build()),
            Map.entry(Limit.PRIORITY_CLASS, JobLimits.builder().priorityClass(PriorityClass.IDLE).build()),
            Map.entry(Limit.SCHEDULING_CLASS, JobLimits.builder().schedulingClass(3).build()),
            Map.entry(Limit.DIE_ON_UNHANDLED_EXCEPTION, JobLimits.builder().dieOnUnhandledException(true).build()),
            Map.entry(Limit.BREAKAWAY, JobLimits.builder().breakawayOk(true).build()),
            Map.entry(Limit.UI_RESTRICTIONS, JobLimits.builder().uiRestrictions(Set.of(UiRestriction.DESKTOP)).build()),
            Map.entry(Limit.NET_RATE, JobLimits.builder().netBandwidthBytesPerSec(1_000_000L).build()));

    @Test
    void everyLimitCgroup1CannotEnforceIsRefusedNamingLimitAndBackend() throws Exception {
        Requirements.cgroupV1();
        Set<Limit> refused = EnumSet.complementOf(EnumSet.copyOf(GovernedJobs.BACKEND.capabilities()));
        assertFalse(refused.isEmpty());
        try (GovernedJobs jobs = new GovernedJobs()) {
            Job job = jobs.create("refusals", JobLimits.builder().activeProcesses(10).build());
            for (Limit l : refused) {
                JobLimits ask = SAMPLES.get(l);
                assertTrue(ask != null, "no sample request for " + l);
                String name = GovernedJobs.uniqueName("refused");
                LimitRefusedException e = assertThrows(LimitRefusedException.class, () -> Job.create(GovernedJobs.BACKEND, new JobSpec(name, null, ask)));
                assertEquals(l, e.limit());
                assertTrue(e.getMessage().contains("cgroup1") && e.getMessage().contains(l.key()), e.getMessage());
                assertFalse(GovernedJobs.BACKEND.refusalReason(l).isBlank());
                assertEquals(0, GovernedJobs.cgroupsNamed(name).size(), "nothing created for a refused limit");
                assertThrows(LimitRefusedException.class, () -> job.setLimits(ask));
                assertEquals(10, job.limits().activeProcesses());
            }
        }
    }

    @Test
    void limitsLandInTheKernelFilesAndRlimits() throws Exception {
        Requirements.cgroupV1();
        try (GovernedJobs jobs = new GovernedJobs()) {
            Job job = jobs.create("files", JobLimits.builder().jobMemoryBytes(100L << 20).activeProcesses(40).cpuRatePercent(50.0)
                    .affinity(CpuSet.parse("0")).processMemoryBytes(512L << 20).processTime(Duration.ofSeconds(30)).build());
            Path mem = Cgroup1CountersIT.dir(job, "memory");
            assertEquals(100L << 20, CgroupFiles.readLong(mem.resolve("memory.limit_in_bytes"), 0));
            if (Files.exists(mem.resolve("memory.memsw.limit_in_bytes"))) {
                assertEquals(100L << 20, CgroupFiles.readLong(mem.resolve("memory.memsw.limit_in_bytes"), 0));
            }
            assertEquals("40", CgroupFiles.read(Cgroup1CountersIT.dir(job, "pids").resolve("pids.max")));
            long quota = Math.round(0.5 * Cgroup1Backend.machineCpus() * 100_000);
            assertEquals(quota, CgroupFiles.readLong(Cgroup1CountersIT.dir(job, "cpu").resolve("cpu.cfs_quota_us"), 0));
            assertEquals("0", CgroupFiles.read(Cgroup1CountersIT.dir(job, "cpuset").resolve("cpuset.cpus")));
            Process p = jobs.start(job, "sleep", "30");
            await().atMost(Duration.ofSeconds(5)).until(() -> p.info().command().orElse("").endsWith("sleep")); // past the wrapper's ulimit
            String limits = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "limits"));
            // soft limits always; hard ones too where this process has CAP_SYS_RESOURCE (see ProcessRlimits)
            assertTrue(limits.matches("(?s).*Max address space\\s+536870912\\s+" + (ProcessRlimits.hardLimits() ? "536870912" : "unlimited") + " .*"), limits);
            assertTrue(limits.matches("(?s).*Max cpu time\\s+30\\s+" + (ProcessRlimits.hardLimits() ? "31" : "unlimited") + " .*"), limits);
            // changes reach running processes, and switching CPU modes clears the cap
            job.setLimits(job.limits().toBuilder().processMemoryBytes(256L << 20).cpuWeight(9).affinity(null).jobMemoryBytes(200L << 20).build());
            limits = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "limits"));
            assertTrue(limits.matches("(?s).*Max address space\\s+268435456\\s+" + (ProcessRlimits.hardLimits() ? "268435456" : "unlimited") + " .*"), limits);
            assertEquals(-1, CgroupFiles.readLong(Cgroup1CountersIT.dir(job, "cpu").resolve("cpu.cfs_quota_us"), 0));
            assertEquals(1843, CgroupFiles.readLong(Cgroup1CountersIT.dir(job, "cpu").resolve("cpu.shares"), 0));
            assertEquals(CgroupFiles.read(Cgroup1CountersIT.dir(job, "cpuset").getParent().resolve("cpuset.cpus")),
                    CgroupFiles.read(Cgroup1CountersIT.dir(job, "cpuset").resolve("cpuset.cpus")));
            assertEquals(200L << 20, CgroupFiles.readLong(mem.resolve("memory.limit_in_bytes"), 0));
            // and lowering the memory limit works too (memsw ordering)
            job.setLimits(job.limits().toBuilder().jobMemoryBytes(50L << 20).build());
            assertEquals(50L << 20, CgroupFiles.readLong(mem.resolve("memory.limit_in_bytes"), 0));
            job.setLimits(JobLimits.NONE);
            assertEquals("max", CgroupFiles.read(Cgroup1CountersIT.dir(job, "pids").resolve("pids.max")));
            assertTrue(CgroupFiles.readLong(mem.resolve("memory.limit_in_bytes"), 0) > (1L << 50));
            assertTrue(Files.readString(Path.of("/proc", String.valueOf(p.pid()), "limits")).matches("(?s).*Max address space\\s+unlimited\\s+unlimited .*"));
        }
    }

    @Test
    void aBadLimitChangesNothing() throws Exception {
        Requirements.cgroupV1();
        try (GovernedJobs jobs = new GovernedJobs()) {
            JobLimits before = JobLimits.builder().jobMemoryBytes(64L << 20).activeProcesses(10).build();
            Job job = jobs.create("bad", before);
            Path mem = Cgroup1CountersIT.dir(job, "memory");
            Path pids = Cgroup1CountersIT.dir(job, "pids");
            // memory and processes would be written first; the CPU 4000 the machine lacks is rejected by the kernel
            JobLimits bad = before.toBuilder().jobMemoryBytes(128L << 20).activeProcesses(20).affinity(CpuSet.parse("4000")).build();
            LimitRefusedException e = assertThrows(LimitRefusedException.class, () -> job.setLimits(bad));
            assertEquals(Limit.AFFINITY, e.limit());
            assertTrue(e.getMessage().contains("cpuset.cpus"), e.getMessage());
            assertEquals(before, job.limits());
            assertEquals(64L << 20, CgroupFiles.readLong(mem.resolve("memory.limit_in_bytes"), 0));
            assertEquals("10", CgroupFiles.read(pids.resolve("pids.max")));
            // an IO limit without a device, or on a missing one, is refused before any write
            assertThrows(LimitRefusedException.class, () -> job.setLimits(before.toBuilder().activeProcesses(30).ioBandwidthBytesPerSec(1L << 20).build()));
            assertThrows(LimitRefusedException.class, () -> job.setLimits(before.toBuilder().activeProcesses(30)
                    .ioBandwidthBytesPerSec(1L << 20).ioDevice("/dev/jobgov-no-such-disk").build()));
            assertEquals("10", CgroupFiles.read(pids.resolve("pids.max")));
            // a bad limit at creation leaves no cgroup behind
            String name = GovernedJobs.uniqueName("badcreate");
            assertThrows(LimitRefusedException.class, () -> Job.create(GovernedJobs.BACKEND, new JobSpec(name, null, bad)));
            assertEquals(0, GovernedJobs.cgroupsNamed(name).size());
        }
    }
}
