package jobgov.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import jobgov.job.CpuSet;
import jobgov.job.Job;
import jobgov.job.JobCounters;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cgroup2 backend's cpu, cpuset, io and memory.high limits and its counters on a real cgroup v2 kernel
 * (pure v2 host: the scripts/cgroup2-guest guest, whose spare virtio disk /dev/vda is the io.max device).
 * What the kernel did is read from its own files (cpu.stat throttling, memory.events high, io.stat), so no
 * assertion depends on how fast the emulated guest runs.
 */
class ControllersCgroup2KernelIT {
    static final Path DISK = Path.of("/dev/vda");
    Job job;

    @BeforeEach
    void pureV2() {
        Requirements.cgroupV2();
    }

    @AfterEach
    void close() {
        if (job != null) {
            Path dir = dir();
            job.close();
            assertTrue(!Files.exists(dir), "the job's cgroup is removed");
        }
    }

    Job job(JobLimits limits) {
        job = Job.create(new Cgroup2Backend(), new JobSpec("k2-" + UUID.randomUUID().toString().substring(0, 8), null, limits));
        return job;
    }

    Path dir() {
        return Path.of(job.location().replaceAll("^.*?(/sys/fs/cgroup\\S*).*$", "$1"));
    }

    Map<String, Long> keyed(String file) {
        return CgroupFiles.readKeyed(dir().resolve(file));
    }

    static String run(Job j, String script) throws Exception {
        Process p = j.start(new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "did not end: " + script);
        assertEquals(0, p.exitValue(), out);
        return out.strip();
    }

    @Test
    void cpuMaxThrottlesABusyLoopAndCpuStatCountsIt() throws Exception {
        Job j = job(JobLimits.builder().cpuRatePercent(10.0).build());
        String max = Files.readString(dir().resolve("cpu.max")).strip();
        assertEquals(Cgroup2Limits.cpuMax(10.0, Runtime.getRuntime().availableProcessors()), max);
        run(j, "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"); // seconds of CPU under emulation, far past 10 ms a period
        Map<String, Long> stat = keyed("cpu.stat");
        assertTrue(stat.get("nr_throttled") > 0 && stat.get("throttled_usec") > 0, "the kernel throttled the job: " + stat);
        JobCounters c = j.counters();
        assertTrue(c.totalUserTimeMillis() > 0, "user time from cpu.stat: " + c);
    }

    @Test
    void cpuWeightIsTheKernelsWeight() {
        job(JobLimits.builder().cpuWeight(7).build());
        assertEquals("400", CgroupFiles.read(dir().resolve("cpu.weight")).strip());
    }

    @Test
    void cpusetCpusConfinesTheJobsProcesses() throws Exception {
        Job j = job(JobLimits.builder().affinity(CpuSet.parse("0")).build());
        assertEquals("0", CgroupFiles.read(dir().resolve("cpuset.cpus")).strip());
        assertEquals("0", CgroupFiles.read(dir().resolve("cpuset.cpus.effective")).strip());
        String allowed = run(j, "grep Cpus_allowed_list /proc/self/status");
        assertEquals("Cpus_allowed_list:\t0", allowed);
    }

    @Test
    void memoryHighReclaimsTheJobsPageCacheInsteadOfKilling() throws Exception {
        Requirements.require(Files.exists(DISK), "needs the guest's spare disk " + DISK + " (scripts/cgroup2-guest --disk)");
        Job j = job(JobLimits.builder().workingSetBytes(1L << 20, 8L << 20).build());
        assertEquals(String.valueOf(8L << 20), CgroupFiles.read(dir().resolve("memory.high")).strip());
        assertEquals(String.valueOf(1L << 20), CgroupFiles.read(dir().resolve("memory.low")).strip());
        // A buffered read of the whole 64 MiB disk fills the job's page cache far past memory.high: the kernel
        // reclaims it as it goes (memory.events high counts each time), the reader is never OOM-killed, and
        // the cache held stays near memory.high. (Anonymous memory past memory.high with swap off is throttled
        // instead, seconds per allocation under emulation: not what a test should wait for.)
        run(j, "dd if=" + DISK + " of=/dev/null bs=1M 2>/dev/null");
        Map<String, Long> events = keyed("memory.events");
        assertTrue(events.get("high") > 0, "memory.events counted high: " + events);
        assertEquals(0L, events.get("oom_kill"));
        assertTrue(j.counters().jobMemoryUsedBytes() <= (16L << 20), "memory.current held near memory.high: " + j.counters());
    }

    @Test
    void ioMaxOnARealBlockDeviceAndIoStatCountsTheJobsDirectWrites() throws Exception {
        Requirements.require(Files.exists(DISK), "needs the guest's spare disk " + DISK + " (scripts/cgroup2-guest --disk)");
        Job j = job(JobLimits.builder().ioBandwidthBytesPerSec(4L << 20).ioIops(200L).ioDevice(DISK.toString()).build());
        String numbers = Cgroup2BlockDevice.numbers(DISK.toString(), Path.of("/sys/class/block"));
        String ioMax = CgroupFiles.read(dir().resolve("io.max"));
        assertTrue(ioMax.contains(numbers + " rbps=4194304 wbps=4194304 riops=200 wiops=200"), ioMax);
        run(j, "dd if=/dev/zero of=" + DISK + " bs=64k count=64 oflag=direct 2>/dev/null; dd if=" + DISK + " of=/dev/null bs=64k count=32 iflag=direct 2>/dev/null");
        String stat = CgroupFiles.read(dir().resolve("io.stat"));
        assertTrue(stat.contains(numbers + " ") && stat.contains("wbytes=4194304"), "io.stat counted the 4 MiB written: " + stat);
        JobCounters c = j.counters();
        assertTrue(c.writeBytes() >= (4L << 20) && c.readBytes() >= (2L << 20), "io counters: " + c);
    }

    @Test
    void pageFaultsAndMemoryCountersComeFromTheKernel() throws Exception {
        Job j = job(JobLimits.builder().jobMemoryBytes(256L << 20).build());
        run(j, "head -c 16m /dev/zero | tail >/dev/null");
        JobCounters c = j.counters();
        assertTrue(c.totalPageFaults() > 0, "memory.stat pgfault: " + c);
        assertTrue(c.peakJobMemoryUsedBytes() >= (16L << 20), "memory.peak: " + c);
        assertTrue(c.jobMemoryUsedBytes() >= 0, "memory.current: " + c);
    }
}
