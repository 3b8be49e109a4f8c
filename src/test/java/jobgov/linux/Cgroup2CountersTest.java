package jobgov.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jobgov.job.JobCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Counters parsed from cgroup v2 files with the contents a 6.x kernel writes (formats from
 * Documentation/admin-guide/cgroup-v2.rst), laid out in a scratch job directory.
 */
class Cgroup2CountersTest {
    @TempDir
    Path job;

    static final String CPU_STAT = """
            usage_usec 8340291
            user_usec 6120033
            system_usec 2220258
            nice_usec 0
            core_sched.force_idle_usec 0
            nr_periods 412
            nr_throttled 37
            throttled_usec 1893002
            nr_bursts 0
            burst_usec 0
            """;

    static final String MEMORY_STAT = """
            anon 104857600
            file 20971520
            kernel 3145728
            kernel_stack 491520
            pagetables 1089536
            sec_pagetables 0
            percpu 0
            sock 0
            vmalloc 0
            shmem 0
            file_mapped 8388608
            file_dirty 0
            file_writeback 0
            swapcached 0
            anon_thp 0
            inactive_anon 104611840
            active_anon 245760
            inactive_file 12582912
            active_file 8388608
            unevictable 0
            slab_reclaimable 1048576
            slab_unreclaimable 516096
            slab 1564672
            workingset_refault_anon 0
            workingset_refault_file 0
            pgscan 0
            pgsteal 0
            pgfault 53412
            pgmajfault 17
            pgrefill 0
            thp_fault_alloc 0
            """;

    static final String IO_STAT = """
            254:0 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0
            253:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 dios=3021
            """;

    @Test
    void everyCounterComesFromItsKernelFile() throws IOException {
        Files.writeString(job.resolve("cpu.stat"), CPU_STAT);
        Files.writeString(job.resolve("memory.stat"), MEMORY_STAT);
        Files.writeString(job.resolve("io.stat"), IO_STAT);
        Files.writeString(job.resolve("memory.current"), "130023424\n");
        Files.writeString(job.resolve("memory.peak"), "268435456\n");

        JobCounters c = Cgroup2Counters.read(CgroupFs.KERNEL, job, 5, 3, 2);

        assertEquals(6120, c.totalUserTimeMillis());
        assertEquals(2220, c.totalKernelTimeMillis());
        assertEquals(53412, c.totalPageFaults());
        assertEquals(5, c.totalProcesses());
        assertEquals(3, c.activeProcesses());
        assertEquals(2, c.totalTerminatedProcesses());
        assertEquals(192 + 8950, c.readOperations());
        assertEquals(353 + 1252, c.writeOperations());
        assertEquals(3021, c.otherOperations(), "discards count as other operations");
        assertEquals(1459200 + 90430464, c.readBytes());
        assertEquals(314773504L + 299008000L, c.writeBytes());
        assertEquals(50331648, c.otherBytes());
        assertEquals(130023424, c.jobMemoryUsedBytes());
        assertEquals(268435456, c.peakJobMemoryUsedBytes());
        assertEquals(JobCounters.UNKNOWN, c.peakProcessMemoryUsedBytes());
    }

    @Test
    void filesOfControllersThatAreOffReadAsUnknownAndAnEmptyIoStatAsZero() throws IOException {
        Files.writeString(job.resolve("cpu.stat"), "usage_usec 1000\nuser_usec 700\nsystem_usec 300\n");
        JobCounters c = Cgroup2Counters.read(CgroupFs.KERNEL, job, JobCounters.UNKNOWN, 0, JobCounters.UNKNOWN);
        assertEquals(0, c.totalUserTimeMillis());
        assertEquals(0, c.activeProcesses());
        assertEquals(JobCounters.UNKNOWN, c.totalPageFaults(), "memory controller off: no memory.stat");
        assertEquals(JobCounters.UNKNOWN, c.readBytes(), "io controller off: no io.stat");
        assertEquals(JobCounters.UNKNOWN, c.jobMemoryUsedBytes());

        Files.writeString(job.resolve("io.stat"), "");
        assertEquals(0, Cgroup2Counters.read(CgroupFs.KERNEL, job, 0, 0, 0).readBytes(), "io on, no IO yet");
    }
}
