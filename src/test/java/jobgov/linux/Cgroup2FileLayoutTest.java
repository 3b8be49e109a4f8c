package jobgov.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;
import jobgov.job.LimitSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cgroup v2 backend's file logic on a scratch directory laid out like a cgroup v2 mount
 * ({@link ScratchCgroupfs}): these machines' unified hierarchy carries no controllers, so the files
 * written here are the ones the kernel would get, checked for exact syntax and order, but no kernel
 * enforces them in this test.
 */
class Cgroup2FileLayoutTest {
    static final Set<Cgroup2Controller> ALL = EnumSet.allOf(Cgroup2Controller.class);
    static final long SELF = 4242;

    @TempDir
    Path tmp;
    ScratchCgroupfs fs;
    Cgroup2Tree tree;
    Cgroup2Limits limits;

    @BeforeEach
    void mount() throws IOException {
        fs = new ScratchCgroupfs(tmp.resolve("cgroup"), ALL, "0-1\n");
        tree = new Cgroup2Tree(fs, fs.root);
        limits = new Cgroup2Limits(fs, 2, dev -> Cgroup2BlockDevice.numbers(dev, Path.of("/sys/class/block")));
    }

    private Path job(String parent, String name, JobLimits l) throws IOException {
        Path p = fs.cgroup(parent);
        fs.put(fs.root, "cgroup.subtree_control", "memory pids cpu cpuset io");
        return tree.place(p, name, SELF, Cgroup2Limits.controllers(l)).job();
    }

    @Test
    void limitFilesGetTheKernelsSyntax() throws IOException {
        JobLimits l = LimitSpec.apply("memory=256m,min-working-set=64m,max-working-set=128m,processes=32,cpu=25%,affinity=1,"
                + "io-bandwidth=10m,io-iops=100,io-device=254:0", JobLimits.NONE);
        Path job = job("/", "web", l);
        limits.apply(job, l, JobLimits.NONE);

        assertEquals("268435456\n", fs.get(job, "memory.max"));
        assertEquals("0\n", fs.get(job, "memory.swap.max"), "swap is part of the job memory limit");
        assertEquals("134217728\n", fs.get(job, "memory.high"));
        assertEquals("67108864\n", fs.get(job, "memory.low"));
        assertEquals("32\n", fs.get(job, "pids.max"));
        assertEquals("50000 100000\n", fs.get(job, "cpu.max"), "25% of a 2-CPU machine is half a CPU per 100 ms period");
        assertEquals("1\n", fs.get(job, "cpuset.cpus"));
        assertEquals("254:0 rbps=10485760 wbps=10485760 riops=100 wiops=100\n", fs.get(job, "io.max"));
        assertEquals(List.of("web/memory.max <- 268435456", "web/memory.swap.max <- 0", "web/memory.high <- 134217728",
                "web/memory.low <- 67108864", "web/pids.max <- 32", "web/cpu.max <- 50000 100000", "web/cpu.weight <- 100",
                "web/cpuset.cpus <- 1", "web/io.max <- 254:0 rbps=10485760 wbps=10485760 riops=100 wiops=100"),
                fs.journal.stream().filter(w -> w.startsWith("web/")).toList());
    }

    @Test
    void cpuWeightMapsWin32OneToNineOntoCgroupWeights() throws IOException {
        assertEquals(List.of(6, 13, 25, 50, 100, 200, 400, 800, 1600),
                java.util.stream.IntStream.rangeClosed(1, 9).mapToObj(Cgroup2Limits::cpuWeight).toList());
        JobLimits l = JobLimits.builder().cpuWeight(8).build();
        Path job = job("/", "weighted", l);
        limits.apply(job, l, JobLimits.NONE);
        assertEquals("800\n", fs.get(job, "cpu.weight"));
        assertEquals("max 100000\n", fs.get(job, "cpu.max"), "weight mode leaves the cap off");
    }

    @Test
    void tinyCpuCapsUseTheLongestPeriodToStayAboveTheKernelsMinimumQuota() {
        assertEquals("100000 100000", Cgroup2Limits.cpuMax(50, 2));
        assertEquals("5000 1000000", Cgroup2Limits.cpuMax(0.25, 2));
        assertEquals("1000 1000000", Cgroup2Limits.cpuMax(0.01, 1));
    }

    @Test
    void clearedLimitsGetTheKernelDefaultsBack() throws IOException {
        JobLimits set = LimitSpec.apply("memory=64m,processes=8,cpu=10%,affinity=0,io-bandwidth=1m,io-device=254:0", JobLimits.NONE);
        Path job = job("/", "cleared", set);
        limits.apply(job, set, JobLimits.NONE);
        limits.apply(job, JobLimits.NONE, set);
        assertEquals("max\n", fs.get(job, "memory.max"));
        assertEquals("max\n", fs.get(job, "memory.swap.max"));
        assertEquals("max\n", fs.get(job, "pids.max"));
        assertEquals("max 100000\n", fs.get(job, "cpu.max"));
        assertEquals("", fs.get(job, "cpuset.cpus"));
        assertEquals("", fs.get(job, "io.max"), "an all-max io.max line disappears, as in the kernel");
    }

    @Test
    void aRejectedWriteRestoresWhatWasWrittenBeforeIt() throws IOException {
        JobLimits first = LimitSpec.apply("memory=64m,processes=10", JobLimits.NONE);
        JobLimits second = LimitSpec.apply("memory=128m,processes=20,affinity=7", JobLimits.NONE);
        Path job = job("/", "restore", second);
        limits.apply(job, first, JobLimits.NONE);

        // CPU 7 is not in the parent's cpuset.cpus.effective (0-1): the kernel answers EINVAL.
        LimitRefusedException e = assertThrows(LimitRefusedException.class, () -> limits.apply(job, second, first));
        assertEquals(Limit.AFFINITY, e.limit());
        assertTrue(e.getMessage().contains("cpuset.cpus") && e.getMessage().contains("Invalid argument"), e.getMessage());
        assertEquals("67108864\n", fs.get(job, "memory.max"));
        assertEquals("10\n", fs.get(job, "pids.max"));
        List<String> journal = fs.journal.stream().filter(w -> w.startsWith("restore/memory.max") || w.startsWith("restore/pids.max")).toList();
        assertEquals(List.of("restore/memory.max <- 67108864", "restore/pids.max <- 10",
                "restore/memory.max <- 134217728", "restore/pids.max <- 20",
                "restore/pids.max <- 10", "restore/memory.max <- 67108864"), journal, "written, then restored in reverse");
    }

    @Test
    void aFileThatCannotBeWrittenEvenByRootRestoresToo() throws IOException {
        JobLimits l = LimitSpec.apply("memory=64m,processes=10", JobLimits.NONE);
        Path job = job("/", "unwritable", l);
        // Root ignores file modes; a read-only procfs file behind the name cannot be written by anyone.
        Files.delete(job.resolve("pids.max"));
        Files.createSymbolicLink(job.resolve("pids.max"), Path.of("/proc/self/stat"));
        LimitRefusedException e = assertThrows(LimitRefusedException.class, () -> limits.apply(job, l, JobLimits.NONE));
        assertEquals(Limit.ACTIVE_PROCESSES, e.limit());
        assertEquals("max\n", fs.get(job, "memory.max"));
    }

    @Test
    void ioLimitsWithoutABlockDeviceAreRefusedBeforeAnythingIsWritten() throws IOException {
        JobLimits l = LimitSpec.apply("io-bandwidth=1m", JobLimits.NONE);
        Path job = job("/", "nodev", l);
        LimitRefusedException e = assertThrows(LimitRefusedException.class, () -> limits.apply(job, l, JobLimits.NONE));
        assertEquals(Limit.IO_RATE, e.limit());
        assertTrue(e.getMessage().contains("io-device"), e.getMessage());
        JobLimits notADisk = LimitSpec.apply("io-bandwidth=1m,io-device=/dev/null", JobLimits.NONE);
        e = assertThrows(LimitRefusedException.class, () -> limits.apply(job, notADisk, JobLimits.NONE));
        assertTrue(e.getMessage().contains("not a block device"), e.getMessage());
        assertTrue(fs.journal.stream().noneMatch(w -> w.startsWith("nodev/")), fs.journal.toString());
    }

    @Test
    void controllersAreEnabledTopDownFromTheNearestDelegatedPointInAFixedOrder() throws IOException {
        fs.put(fs.root, "cgroup.subtree_control", "memory pids");
        Path slice = fs.cgroup("/system.slice");
        Path service = fs.cgroup("/system.slice/app.service");
        fs.place(service, SELF);

        tree.place(service, "batch", SELF, EnumSet.of(Cgroup2Controller.IO, Cgroup2Controller.MEMORY, Cgroup2Controller.CPU, Cgroup2Controller.PIDS));

        assertEquals(List.of(
                "cgroup.subtree_control <- +cpu", "cgroup.subtree_control <- +io",
                "system.slice/cgroup.subtree_control <- +memory", "system.slice/cgroup.subtree_control <- +pids",
                "system.slice/cgroup.subtree_control <- +cpu", "system.slice/cgroup.subtree_control <- +io",
                "system.slice/app.service/jobgov-leaf.4242/cgroup.procs <- 4242",
                "system.slice/app.service/cgroup.subtree_control <- +memory", "system.slice/app.service/cgroup.subtree_control <- +pids",
                "system.slice/app.service/cgroup.subtree_control <- +cpu", "system.slice/app.service/cgroup.subtree_control <- +io"),
                fs.journal);
        assertEquals(Set.of(Cgroup2Controller.MEMORY, Cgroup2Controller.PIDS, Cgroup2Controller.CPU, Cgroup2Controller.IO),
                tree.controllers(service.resolve("batch")));
        assertTrue(Files.exists(service.resolve("batch/memory.max")) && Files.exists(service.resolve("batch/io.max")));
        assertFalse(Files.exists(slice.resolve("cpuset.cpus")), "cpuset was not needed, so it was not enabled");
    }

    @Test
    void onlyTheControllersTheLimitsNeedAreEnabled() throws IOException {
        fs.put(fs.root, "cgroup.subtree_control", "memory pids cpu cpuset io");
        Path service = fs.cgroup("/app.service");
        tree.place(service, "small", SELF, Cgroup2Limits.controllers(LimitSpec.apply("memory=64m", JobLimits.NONE)));
        assertEquals("memory", fs.get(service, "cgroup.subtree_control"));
        assertEquals(List.of("app.service/cgroup.subtree_control <- +memory"), fs.journal);
    }

    @Test
    void processesInTheParentMoveToALeafAndBackWhenTheJobCloses() throws IOException {
        fs.put(fs.root, "cgroup.subtree_control", "memory pids");
        Path service = fs.cgroup("/app.service");
        fs.place(service, SELF);
        fs.place(service, 4343);

        Cgroup2Tree.Placement placement = tree.place(service, "build", SELF, EnumSet.of(Cgroup2Controller.MEMORY, Cgroup2Controller.PIDS));
        Path leaf = service.resolve("jobgov-leaf.4242");
        assertEquals("", fs.get(service, "cgroup.procs"), "no internal processes: the parent is empty");
        assertEquals("4242\n4343\n", fs.get(leaf, "cgroup.procs"));
        assertEquals("memory pids", fs.get(service, "cgroup.subtree_control"));
        assertTrue(Files.exists(placement.job().resolve("pids.max")));

        tree.remove(placement);
        assertFalse(Files.exists(placement.job()));
        assertFalse(Files.exists(leaf));
        assertEquals("", fs.get(service, "cgroup.subtree_control"));
        assertEquals(Set.of("4242", "4343"), Set.copyOf(fs.get(service, "cgroup.procs").lines().toList()));
    }

    @Test
    void aSecondJobReusesTheEnabledParentAndTheFirstCloseLeavesItAlone() throws IOException {
        fs.put(fs.root, "cgroup.subtree_control", "memory");
        Path service = fs.cgroup("/app.service");
        fs.place(service, SELF);
        Cgroup2Tree.Placement one = tree.place(service, "one", SELF, EnumSet.of(Cgroup2Controller.MEMORY));
        int writes = fs.journal.size();
        Cgroup2Tree.Placement two = tree.place(service, "two", SELF, EnumSet.of(Cgroup2Controller.MEMORY));
        assertEquals(writes, fs.journal.size(), "nothing to enable for the second job");

        tree.remove(one);
        assertEquals("memory", fs.get(service, "cgroup.subtree_control"), "job two still needs memory");
        assertTrue(Files.exists(two.job().resolve("memory.max")));
        tree.remove(two);
        assertFalse(Files.exists(two.job()));
        assertFalse(Files.exists(service.resolve("jobgov-leaf.4242")), "the last job out moves the processes back");
        assertEquals("4242\n", fs.get(service, "cgroup.procs"));
        assertEquals("", fs.get(service, "cgroup.subtree_control"));
    }

    @Test
    void aNestedJobUnderAJobWithProcessesGetsALeafToo() throws IOException {
        fs.put(fs.root, "cgroup.subtree_control", "memory pids");
        Path parentJob = tree.place(fs.root, "outer", SELF, EnumSet.of(Cgroup2Controller.MEMORY)).job();
        fs.place(parentJob, 5000);
        Cgroup2Tree.Placement inner = tree.place(parentJob, "inner", SELF, EnumSet.of(Cgroup2Controller.MEMORY, Cgroup2Controller.PIDS));
        assertEquals("5000\n", fs.get(parentJob.resolve("jobgov-leaf.4242"), "cgroup.procs"));
        assertEquals("memory pids", fs.get(parentJob, "cgroup.subtree_control"));
        assertTrue(Files.exists(inner.job().resolve("pids.max")));
    }

    @Test
    void anAncestorHoldingProcessesIsNotRearrangedButExplained() throws IOException {
        Path slice = fs.cgroup("/other.slice");
        Path service = fs.cgroup("/other.slice/app.service");
        fs.place(slice, 7777);
        fs.put(fs.root, "cgroup.subtree_control", "memory");
        JobException e = assertThrows(JobException.class, () -> tree.place(service, "x", SELF, EnumSet.of(Cgroup2Controller.MEMORY)));
        assertTrue(e.getMessage().contains("no internal processes") && e.getMessage().contains("Delegate=yes"), e.getMessage());
        assertFalse(Files.exists(service.resolve("x")));
        assertEquals("", fs.get(slice, "cgroup.subtree_control"));
    }

    @Test
    void aControllerTheKernelDoesNotOfferIsNamedWithWhereToLook() throws IOException {
        fs = new ScratchCgroupfs(tmp.resolve("v2-without-io"), EnumSet.of(Cgroup2Controller.MEMORY, Cgroup2Controller.PIDS), "0-1\n");
        tree = new Cgroup2Tree(fs, fs.root);
        Path service = fs.cgroup("/app.service");
        fs.place(service, SELF);
        JobException e = assertThrows(JobException.class, () -> tree.place(service, "io-job", SELF, EnumSet.of(Cgroup2Controller.MEMORY, Cgroup2Controller.IO)));
        assertTrue(e.getMessage().contains("controller(s) io missing from") && e.getMessage().contains("cgroup.controllers"), e.getMessage());
        // Nothing is left changed: no leaf, the process is still where it was, memory not enabled.
        assertEquals("4242\n", fs.get(service, "cgroup.procs"));
        assertEquals("", fs.get(fs.root, "cgroup.subtree_control"));
        try (var s = Files.list(service)) {
            assertTrue(s.noneMatch(Files::isDirectory));
        }
    }

    @Test
    void aRefusedSubtreeWriteSaysWhichControllerAndHowToDelegate() throws IOException {
        fs.put(fs.root, "cgroup.subtree_control", "memory pids");
        Path service = fs.cgroup("/app.service");
        // As when the cgroup is not delegated to us: the kernel refuses the write (here a read-only file behind the name).
        Files.delete(service.resolve("cgroup.subtree_control"));
        Files.createSymbolicLink(service.resolve("cgroup.subtree_control"), Path.of("/proc/self/stat"));
        JobException e = assertThrows(JobException.class, () -> tree.place(service, "j", SELF, EnumSet.of(Cgroup2Controller.PIDS)));
        assertTrue(e.getMessage().contains("cannot enable controller 'pids'") && e.getMessage().contains("Delegate=yes"), e.getMessage());
        assertFalse(Files.exists(service.resolve("j")));
    }
}
