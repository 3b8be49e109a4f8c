package jobgov.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import jobgov.job.Job;
import jobgov.job.JobCounters;
import jobgov.job.JobLimits;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/** The job's counters are the kernel's own numbers (cpuacct, memory.stat, blkio), read back the same. */
class Cgroup1CountersIT {
    @Test
    void countersMatchTheKernelFiles() throws Exception {
        Requirements.cgroupV1();
        Path scratch = Files.createTempDirectory(Path.of("/var/tmp"), "jobgov-counters");
        try (GovernedJobs jobs = new GovernedJobs()) {
            // v1 counts IO only on a device with a throttle rule: a generous one on the scratch file system's disk
            long dev = ((Number) Files.getAttribute(scratch, "unix:dev")).longValue();
            String disk = (((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL)) + ":" + ((dev & 0xff) | ((dev >>> 12) & ~0xffL));
            Job job = jobs.create("counters", JobLimits.builder().ioDevice(disk).ioBandwidthBytesPerSec(1L << 40).build());
            Path file = scratch.resolve("direct");
            // user time, page faults, memory, and direct (uncached) writes that the block layer counts
            Process p = jobs.start(job, "/bin/sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; "
                    + "head -c 20m /dev/zero | cat > /dev/null; dd if=/dev/zero of=" + file + " bs=64k count=32 oflag=direct 2>/dev/null; sleep 2");
            Thread.sleep(1500);
            JobCounters live = job.counters();
            assertEquals(job.pids().size(), live.activeProcesses());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            Thread.sleep(300);
            Path mem = dir(job, "memory");
            Path acct = dir(job, "cpuacct");
            Path blkio = dir(job, "blkio");
            // The kernel still uncharges freed memory of the exited processes for a while (per-CPU charge caches,
            // deferred frees): the usage read by the counters must lie between two reads of the file around it,
            // which is exact whenever the value holds still.
            long usedBefore = CgroupFiles.readLong(mem.resolve("memory.usage_in_bytes"), -1);
            JobCounters c = job.counters();
            long usedAfter = CgroupFiles.readLong(mem.resolve("memory.usage_in_bytes"), -1);
            assertEquals(CgroupFiles.readLong(acct.resolve("cpuacct.usage_user"), -1) / 1_000_000, c.totalUserTimeMillis());
            assertEquals(CgroupFiles.readLong(acct.resolve("cpuacct.usage_sys"), -1) / 1_000_000, c.totalKernelTimeMillis());
            assertTrue(c.totalUserTimeMillis() + c.totalKernelTimeMillis() > 0, c.toString());
            assertEquals(CgroupFiles.readKeyed(mem.resolve("memory.stat")).get("total_pgfault"), c.totalPageFaults());
            assertTrue(c.totalPageFaults() > 100, c.toString());
            assertEquals(CgroupFiles.readLong(mem.resolve("memory.max_usage_in_bytes"), -1), c.peakJobMemoryUsedBytes());
            assertTrue(Math.min(usedBefore, usedAfter) <= c.jobMemoryUsedBytes() && c.jobMemoryUsedBytes() <= Math.max(usedBefore, usedAfter),
                    "memory.usage_in_bytes read " + usedBefore + " then " + usedAfter + ", counters said " + c.jobMemoryUsedBytes());
            assertEquals(0, c.activeProcesses());
            assertTrue(c.totalProcesses() >= 2, "the shell and its children, tracked: " + c);
            assertTrue(c.peakProcessMemoryUsedBytes() > 0, c.toString());
            String ops = CgroupFiles.read(blkio.resolve("blkio.throttle.io_serviced_recursive"));
            long writes = ops.lines().filter(l -> l.contains(" Write ")).mapToLong(l -> Long.parseLong(l.trim().split("\\s+")[2])).sum();
            assertEquals(writes, c.writeOperations());
            assertTrue(c.writeOperations() >= 32, "32 direct writes of 64k: " + c + "\n" + ops);
            assertTrue(c.writeBytes() >= 32 * 65536, c.toString());
            job.setLimits(JobLimits.NONE);
            assertEquals(JobCounters.UNKNOWN, job.counters().writeOperations(), "no throttle rule, no IO accounting");
        } finally {
            try (var s = Files.list(scratch)) {
                for (Path f : s.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(scratch);
        }
    }

    static Path dir(Job job, String controller) {
        for (String part : job.location().split(" ")) {
            String[] kv = part.split("=", 2);
            if (java.util.List.of(kv[0].split(",")).contains(controller)) {
                return Path.of(kv[1]);
            }
        }
        throw new AssertionError("no " + controller + " in " + job.location());
    }
}
