package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jobgov.job.Job;
import jobgov.job.JobCounter;
import jobgov.job.JobCounters;
import jobgov.job.JobEvent;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.LimitRefusedException;
import jobgov.job.LimitSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole cgroup1 job's life on a scratch directory laid out like this hybrid host's mounts
 * ({@link ScratchCgroup1fs}): the directories in every hierarchy, the limit files and their order, the rollback of
 * a change the kernel rejects, the counters and the events from the files, close leaving nothing behind. No process
 * is started (nothing in a scratch tree would contain it): the test writes the kernel's counters itself. The same
 * code against the real kernel is in the {@code Cgroup1*IT} tests.
 */
class Cgroup1ScratchJobTest {
    @TempDir
    Path tmp;
    ScratchCgroup1fs fs;
    Cgroup1Backend backend;
    final long self = ProcessHandle.current().pid();
    final List<Job> open = new ArrayList<>();

    @BeforeEach
    void scene() throws IOException {
        fs = new ScratchCgroup1fs(tmp.resolve("cgroup"), "0-1");
        fs.cgroup("/session");
        CgroupMounts mounts = CgroupMounts.parse(fs.mountinfo(), ScratchCgroup1fs.procSelfCgroup("/session"));
        Map<Hierarchy, Path> own = mounts.ownDirs(ScratchCgroup1fs.procSelfCgroup("/session"));
        // The watchdog moves itself into "this process's cgroups" with a shell redirect: give it stand-ins outside the tree.
        Map<Hierarchy, Path> home = new LinkedHashMap<>();
        for (Hierarchy h : mounts.hierarchies()) {
            Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere").resolve(h.label()));
            Files.writeString(elsewhere.resolve("cgroup.procs"), "");
            home.put(h, elsewhere);
        }
        backend = new Cgroup1Backend(mounts, fs, () -> own, home);
    }

    @AfterEach
    void closeAll() {
        Collections.reverse(open);
        open.forEach(Job::close);
    }

    private Job job(String name, String limits) {
        Job j = Job.create(backend, new JobSpec(name, null, LimitSpec.apply(limits, JobLimits.NONE)));
        open.add(j);
        return j;
    }

    private Path dir(String hierarchy, String name) {
        return fs.hierarchy(hierarchy).resolve("session").resolve("jobgov-" + name + "." + self);
    }

    @Test
    void aJobHasADirectoryInEveryHierarchyUnderItsOwnCgroupWithItsLimitsAndCloseRemovesThem() throws IOException {
        Job job = job("life", "memory=64m,processes=16,cpu=50%,affinity=1,kill-on-close=false");
        for (String h : ScratchCgroup1fs.HIERARCHIES.keySet()) {
            assertTrue(Files.isDirectory(dir(h, "life")), h);
            assertTrue(job.location().contains(dir(h, "life").toString()), job.location());
        }
        assertEquals("67108864\n", fs.get(dir("memory", "life"), "memory.limit_in_bytes"));
        assertEquals("67108864\n", fs.get(dir("memory", "life"), "memory.memsw.limit_in_bytes"), "swap cannot dodge the limit");
        assertEquals("16\n", fs.get(dir("pids", "life"), "pids.max"));
        assertEquals("100000\n", fs.get(dir("cpu,cpuacct", "life"), "cpu.cfs_quota_us"), "50 % of 2 CPUs");
        assertEquals("1\n", fs.get(dir("cpuset", "life"), "cpuset.cpus"));
        assertEquals("0\n", fs.get(dir("cpuset", "life"), "cpuset.mems"), "a v1 cpuset starts with its parent's mems");

        job.setLimits("memory=32m,affinity=,cpu=");
        job.setLimits("cpu-weight=7");
        assertEquals(Cgroup1Settings.shares(7) + "\n", fs.get(dir("cpu,cpuacct", "life"), "cpu.shares"));
        assertEquals("33554432\n", fs.get(dir("memory", "life"), "memory.limit_in_bytes"));
        assertEquals("0-1\n", fs.get(dir("cpuset", "life"), "cpuset.cpus"), "a cleared affinity gets the parent's cpus back");
        assertEquals("-1\n", fs.get(dir("cpu,cpuacct", "life"), "cpu.cfs_quota_us"));
        int lower = fs.journal.indexOf(root("memory", "life", "memory.limit_in_bytes") + " <- 33554432");
        int memsw = fs.journal.indexOf(root("memory", "life", "memory.memsw.limit_in_bytes") + " <- 33554432");
        assertTrue(lower >= 0 && memsw > lower, "lowering: the limit before memsw " + fs.journal);

        job.close();
        for (String h : ScratchCgroup1fs.HIERARCHIES.keySet()) {
            assertFalse(Files.exists(dir(h, "life")), h);
            assertTrue(Files.isDirectory(fs.hierarchy(h).resolve("session")), "the parent stays: " + h);
        }
    }

    private String root(String hierarchy, String name, String file) {
        return fs.root.relativize(dir(hierarchy, name).resolve(file)).toString();
    }

    @Test
    void aChangeTheKernelRejectsPutsEveryFileBackAndNamesTheFile() throws IOException {
        Job job = job("undo", "memory=64m,processes=16,kill-on-close=false");
        LimitRefusedException e = assertThrows(LimitRefusedException.class, () -> job.setLimits("memory=32m,processes=8,affinity=5"));
        assertTrue(e.getMessage().contains("cpuset.cpus"), e.getMessage());
        assertEquals("67108864\n", fs.get(dir("memory", "undo"), "memory.limit_in_bytes"));
        assertEquals("67108864\n", fs.get(dir("memory", "undo"), "memory.memsw.limit_in_bytes"));
        assertEquals("16\n", fs.get(dir("pids", "undo"), "pids.max"));
        assertEquals("0-1\n", fs.get(dir("cpuset", "undo"), "cpuset.cpus"));
        assertEquals("memory=64m,processes=16,kill-on-close=false", LimitSpec.format(job.limits()));
    }

    @Test
    void badInputChangesNothing() {
        Job job = job("bad", "memory=64m,kill-on-close=false");
        long writes = limitWrites();
        assertThrows(LimitRefusedException.class, () -> job.setLimits("io-read-notify=1m"), "IO notifications need a throttle rule on v1");
        assertThrows(LimitRefusedException.class, () -> job.setLimits("io-bandwidth=1m"), "no io-device");
        assertEquals(writes, limitWrites());
        assertThrows(JobException.class, () -> job("bad", ""), "a second job of one name");
        assertThrows(IllegalArgumentException.class, () -> Job.create(backend, new JobSpec("p", "/session/../..", JobLimits.NONE)));
        assertFalse(Files.exists(fs.hierarchy("memory").resolve("session").resolve("jobgov-p." + self)));
    }

    @Test
    void countersAreTheKernelsNumbers() throws IOException {
        Job job = job("count", "kill-on-close=false");
        fs.put(dir("cpu,cpuacct", "count"), "cpuacct.usage_user", "2500000000\n");
        fs.put(dir("cpu,cpuacct", "count"), "cpuacct.usage_sys", "700000000\n");
        fs.put(dir("memory", "count"), "memory.usage_in_bytes", "4096\n");
        fs.put(dir("memory", "count"), "memory.max_usage_in_bytes", "8192\n");
        fs.put(dir("memory", "count"), "memory.stat", "cache 0\ntotal_pgfault 42\n");
        fs.put(dir("memory", "count"), "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        JobCounters c = job.counters();
        assertEquals(2500, c.totalUserTimeMillis());
        assertEquals(700, c.totalKernelTimeMillis());
        assertEquals(42, c.totalPageFaults());
        assertEquals(4096, c.jobMemoryUsedBytes());
        assertEquals(8192, c.peakJobMemoryUsedBytes());
        assertEquals(2, c.totalTerminatedProcesses(), "OOM kills");
        assertEquals(0, c.activeProcesses());
        assertEquals(JobCounters.UNKNOWN, c.readBytes(), "v1 counts IO only with a throttle rule");
    }

    @Test
    void oneCounterReadsOnlyTheFileItNames() throws IOException {
        Job job = job("one", "kill-on-close=false");
        fs.put(dir("memory", "one"), "memory.usage_in_bytes", "4096\n");
        fs.put(dir("pids", "one"), "cgroup.procs", "4242\n4343\n");
        fs.readsBy = Thread.currentThread();
        assertEquals(4096, job.counter(JobCounter.JOB_MEMORY_USED_BYTES));
        assertEquals(List.of(root("memory", "one", "memory.usage_in_bytes")), List.copyOf(fs.reads));
        fs.reads.clear();
        assertEquals(2, job.counter(JobCounter.ACTIVE_PROCESSES));
        assertEquals(List.of(root("pids", "one", "cgroup.procs")), List.copyOf(fs.reads), "the process list of the pids hierarchy only");
        fs.reads.clear();
        assertEquals(2, job.counters().activeProcesses());
        assertTrue(fs.reads.stream().noneMatch(r -> r.startsWith("cpuset") || r.startsWith("freezer")), "counters() reads only counter files: " + fs.reads);
    }

    @Test
    void eventsComeFromTheFiles() throws IOException {
        Job job = job("ev", "processes=4,memory=64m,memory-notify=1m,kill-on-close=false");
        List<JobEvent> seen = Collections.synchronizedList(new ArrayList<>());
        job.subscribe(seen::add);
        Path unified = dir("unified", "ev");
        fs.put(unified, "cgroup.events", "populated 1\nfrozen 0\n");
        fs.put(dir("pids", "ev"), "pids.current", "4\n");
        fs.put(dir("pids", "ev"), "pids.events", "max 3\n");
        fs.put(dir("memory", "ev"), "memory.usage_in_bytes", "2097152\n");
        fs.put(dir("memory", "ev"), "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> has(seen, JobEvent.JobMemoryLimit.class)
                && has(seen, JobEvent.ActiveProcessLimit.class) && has(seen, JobEvent.NotificationLimit.class));
        fs.put(unified, "cgroup.events", "populated 0\nfrozen 0\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> has(seen, JobEvent.ActiveProcessZero.class));
        synchronized (seen) {
            JobEvent.ActiveProcessLimit limit = (JobEvent.ActiveProcessLimit) seen.stream().filter(JobEvent.ActiveProcessLimit.class::isInstance).findFirst().orElseThrow();
            assertEquals(4, limit.limit());
            assertEquals(4, limit.count());
            JobEvent.JobMemoryLimit oom = (JobEvent.JobMemoryLimit) seen.stream().filter(JobEvent.JobMemoryLimit.class::isInstance).findFirst().orElseThrow();
            assertEquals(1, oom.oomKills());
            assertEquals(1, seen.stream().filter(JobEvent.NotificationLimit.class::isInstance).count(), "once per setting");
            assertTrue(seen.indexOf(seen.stream().filter(JobEvent.NotificationLimit.class::isInstance).findFirst().orElseThrow())
                    < seen.indexOf(oom), "the notification before the limit of the same check: " + seen);
        }
    }

    @Test
    void jobTimeEndsTheJobThroughTheCgroupKill() throws IOException {
        Job job = job("time", "job-time=1s,kill-on-close=false");
        List<JobEvent> seen = Collections.synchronizedList(new ArrayList<>());
        job.subscribe(seen::add);
        fs.put(dir("cpu,cpuacct", "time"), "cpuacct.usage_user", "1500000000\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> has(seen, JobEvent.EndOfJobTime.class));
        assertTrue(fs.journal.contains(root("unified", "time", "cgroup.kill") + " <- 1"), fs.journal.toString());
    }

    @Test
    void theGuardRefusesLimitsOnThisProcesssOwnCgroup() {
        CgroupGuard guard = backend.guard();
        Path session = fs.hierarchy("memory").resolve("session");
        assertThrows(JobException.class, () -> guard.check(session, CgroupGuard.Operation.LIMIT, true));
        assertThrows(JobException.class, () -> guard.check(fs.hierarchy("memory"), CgroupGuard.Operation.KILL, true));
    }

    /** Journaled writes but the event thread's OOM eventfd registration (which comes when the thread arms). */
    private long limitWrites() {
        synchronized (fs.journal) {
            return fs.journal.stream().filter(w -> !w.contains("cgroup.event_control")).count();
        }
    }

    private static boolean has(List<JobEvent> seen, Class<? extends JobEvent> type) {
        synchronized (seen) {
            return seen.stream().anyMatch(type::isInstance);
        }
    }
}
