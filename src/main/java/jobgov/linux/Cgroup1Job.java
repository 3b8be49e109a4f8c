package jobgov.linux;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import jobgov.job.BackendJob;
import jobgov.job.JobCounters;
import jobgov.job.JobEvent;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.JobTimeAction;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;
import jobgov.linux.CgroupGuard.Operation;

/**
 * One cgroup v1 job: a directory {@code jobgov-NAME.PID} in every hierarchy of {@link Cgroup1Backend#hierarchies()},
 * under this process's own cgroup there (or under {@link JobSpec#parent()}, or under the parent job's directories
 * for a nested job). See {@link Cgroup1Settings} for the limit files.
 *
 * <p>Events come from one {@code jobgov-events-NAME} thread ({@link EventLoop}): inotify on the unified
 * {@code cgroup.events} (populated 0: ActiveProcessZero) and on {@code pids.events} (max: ActiveProcessLimit;
 * v1 sends no notification for it on 6.x kernels, so in practice the tick reads it), a
 * v1 {@code cgroup.event_control} eventfd on {@code memory.oom_control} (its {@code oom_kill} counter:
 * JobMemoryLimit), and a 100 ms tick that tracks {@code cgroup.procs} (NewProcess / ProcessExited, exit codes
 * only for processes started through {@link #start}), the job's user time (EndOfJobTime) and the notification
 * limits. Each wake-up re-reads the files; notifications are never counted.
 *
 * <p>Terminate: {@code cgroup.kill} on the unified directory; where that is missing, freezer FROZEN (confirmed) +
 * SIGKILL every task + THAWED, until empty. Keep-host: when this process is itself in the job (the Java agent puts
 * its host JVM there), terminate SIGKILLs every other process through pidfds ({@link JobSignals}), repeating until
 * only the caller is left, and never writes cgroup.kill or freezes. Closing such a job first moves the caller back
 * to the job's parent cgroups. Single processes ({@link #kill}, {@link #stop}) are signalled through pidfds too.
 */
final class Cgroup1Job implements BackendJob {
    private static final System.Logger LOG = System.getLogger("jobgov.linux");
    private static final long TICK_MILLIS = 100;
    private static final long SELF = ProcessHandle.current().pid();
    private static final int SIGXCPU = 24;

    private final Cgroup1Backend backend;
    private final CgroupGuard guard;
    private final String name;
    private final Consumer<JobEvent> events;
    private final Cgroup1Job parent;
    /** hierarchy -> this job's directory there (creation order). */
    private final Map<Hierarchy, Path> dirs = new LinkedHashMap<>();
    private final Map<Hierarchy, Path> parentDirs = new LinkedHashMap<>();
    private final Cgroup1Settings settings;
    private final EventLoop loop;
    private final Watchdog watchdog;
    private volatile JobLimits limits = JobLimits.NONE;
    private volatile boolean closed;

    /** Events raised off the event thread (the watchdog's death), delivered by the next tick. */
    private final java.util.concurrent.ConcurrentLinkedQueue<JobEvent> pending = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final ProcessTracker processes;
    // event state: touched only on the event thread
    private boolean populated;
    // one ActiveProcessLimit per crossing of pids.max, not per refused fork
    private final LimitCrossing pidsCrossing = new LimitCrossing(0);
    private long oomKills;
    private boolean jobTimeFired;
    private boolean jobTimeNotified;
    private boolean memoryNotified;
    // memory.max_usage_in_bytes when the memory notification was armed: a later, higher peak shows a crossing
    private volatile long memoryPeakAtArm;
    private boolean ioNotified;
    // shared with other threads
    private volatile long limitKills;
    private volatile long peakProcessBytes;

    Cgroup1Job(Cgroup1Backend backend, JobSpec spec, Cgroup1Job parent, Consumer<JobEvent> events) {
        this.backend = backend;
        this.guard = new CgroupGuard(backend.mounts());
        this.name = spec.name();
        this.events = events;
        this.parent = parent;
        String dirName = "jobgov-" + spec.name() + "." + SELF;
        Map<Hierarchy, Path> own = backend.mounts().ownDirsNow();
        for (Hierarchy h : backend.hierarchies()) {
            Path base;
            if (parent != null) {
                base = parent.dirs.get(h);
            } else if (spec.parent() != null) {
                String path = spec.parent().startsWith("/") ? spec.parent() : "/" + spec.parent();
                base = h.containedDir(path); // never outside the hierarchy: checked before any mkdir
                if (base == null) {
                    Path d = h.dir(path);
                    throw new JobException("parent cgroup " + spec.parent() + " does not exist in the " + h.label()
                            + " hierarchy" + (d == null ? " (not under " + h.mountPoint() + ")" : " (" + d + ")"));
                }
            } else {
                base = own.get(h);
            }
            if (base != null) {
                parentDirs.put(h, base);
                dirs.put(h, base.resolve(dirName));
            }
        }
        this.processes = new ProcessTracker(trackingHierarchy().id(), this::trackingDir);
        this.settings = new Cgroup1Settings(this::dir, parentDirs.entrySet().stream().filter(e -> e.getKey().has("cpuset"))
                .map(Map.Entry::getValue).findFirst().orElse(null), Cgroup1Backend.machineCpus());
        List<Path> made = new ArrayList<>();
        EventLoop l = null;
        Watchdog w = null;
        try {
            for (Path d : dirs.values()) {
                try {
                    Files.createDirectory(d);
                } catch (FileAlreadyExistsException e) {
                    throw new JobException("a job named '" + name + "' already exists in this process (" + d + ")");
                }
                made.add(d);
            }
            Path cpuset = dir("cpuset");
            if (cpuset != null) {
                // a v1 cpuset admits no task until it has cpus and mems: start with the parent's
                Path from = cpuset.getParent();
                CgroupFiles.write(cpuset.resolve("cpuset.mems"), CgroupFiles.read(from.resolve("cpuset.mems")));
                CgroupFiles.write(cpuset.resolve("cpuset.cpus"), CgroupFiles.read(from.resolve("cpuset.cpus")));
            }
            apply(spec.limits(), JobLimits.NONE);
            l = new EventLoop(name, TICK_MILLIS, this::check);
            Path unified = unifiedDir();
            if (unified != null) {
                l.watch(unified.resolve("cgroup.events"));
            }
            Path pids = dir("pids");
            if (pids != null) {
                l.watch(pids.resolve("pids.events"));
            }
            EventLoop armed = l;
            l.onArm(() -> registerOom(armed)); // on the event thread: job creation does not load JNA
            if (parent == null) {
                Path kill = unified != null && Files.exists(unified.resolve("cgroup.kill")) ? unified.resolve("cgroup.kill") : null;
                Path freezer = kill == null && dir("freezer") != null ? dir("freezer").resolve("freezer.state") : null;
                List<Path> homeProcs = backend.home().values().stream().map(p -> p.resolve("cgroup.procs")).toList();
                w = Watchdog.start(name, spec.limits().killsOnClose(), kill, freezer, homeProcs, List.copyOf(dirs.values()), this::later);
            }
        } catch (IOException | RuntimeException e) {
            if (l != null) {
                l.close();
            }
            if (w != null) {
                w.close();
            }
            Collections.reverse(made);
            for (Path d : made) {
                try {
                    Files.deleteIfExists(d);
                } catch (IOException ignored) {
                    // best effort: it was empty a moment ago
                }
            }
            if (e instanceof JobException je) {
                throw je;
            }
            throw new JobException("cannot create job '" + name + "': " + e.getMessage(), e);
        }
        this.loop = l;
        this.watchdog = w;
        this.limits = spec.limits();
        loop.start();
    }

    /** The job's directory for a v1 controller (or null when not mounted). */
    Path dir(String controller) {
        for (Map.Entry<Hierarchy, Path> e : dirs.entrySet()) {
            if (!e.getKey().unified() && e.getKey().has(controller)) {
                return e.getValue();
            }
        }
        return null;
    }

    private Path unifiedDir() {
        for (Map.Entry<Hierarchy, Path> e : dirs.entrySet()) {
            if (e.getKey().unified()) {
                return e.getValue();
            }
        }
        return null;
    }

    private Hierarchy trackingHierarchy() {
        Path t = trackingDir();
        return dirs.entrySet().stream().filter(e -> e.getValue().equals(t)).findFirst().orElseThrow().getKey();
    }

    /** The directory whose cgroup.procs says which processes are in the job. */
    private Path trackingDir() {
        Path p = dir("pids");
        return p != null ? p : dirs.values().iterator().next();
    }

    private void registerOom(EventLoop l) {
        Path mem = dir("memory");
        if (mem == null) {
            return;
        }
        // v1 memory OOM notification: an eventfd registered through cgroup.event_control fires when the cgroup is under OOM
        int efd = Libc.C.eventfd(0, Libc.NONBLOCK | Libc.O_CLOEXEC);
        if (efd < 0) {
            return;
        }
        int ofd = Libc.C.open(mem.resolve("memory.oom_control").toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
        try {
            if (ofd < 0) {
                throw new IOException(Libc.lastError());
            }
            CgroupFiles.write(mem.resolve("cgroup.event_control"), efd + " " + ofd);
            l.watchEventFd(efd, ofd);
        } catch (IOException e) {
            Libc.C.close(efd);
            if (ofd >= 0) {
                Libc.C.close(ofd);
            }
            LOG.log(System.Logger.Level.DEBUG, "job " + name + ": no OOM eventfd (" + e.getMessage() + "); the 100 ms tick reads oom_kill");
        }
    }

    // ---- processes ----

    @Override
    public void assign(long pid) {
        open();
        JobStart.assign(pid, List.copyOf(dirs.values()), rlimits(limits), name, processes);
        loop.wake();
    }

    @Override
    public Process start(ProcessBuilder command) {
        open();
        JobStart.checkExecutable(command);
        Process p = JobStart.start(command, List.copyOf(dirs.values()), rlimits(limits), name, processes, () -> {
            if (!closed) {
                loop.wake();
            }
        });
        loop.wake();
        return p;
    }

    @Override
    public List<Long> pids() {
        if (closed) {
            return List.of();
        }
        return List.copyOf(new TreeSet<>(CgroupFiles.procsRecursive(trackingDir())));
    }

    private Set<Long> allPids() {
        Set<Long> all = new TreeSet<>();
        for (Path d : dirs.values()) {
            all.addAll(CgroupFiles.procsRecursive(d));
        }
        return all;
    }

    // ---- limits ----

    private static ProcessRlimits rlimits(JobLimits l) {
        return new ProcessRlimits(l.processMemoryBytes(), l.processTime());
    }

    @Override
    public synchronized void apply(JobLimits next, JobLimits current) {
        if ((next.ioReadNotifyBytes() != null || next.ioWriteNotifyBytes() != null)
                && next.ioBandwidthBytesPerSec() == null && next.ioIops() == null) {
            throw new LimitRefusedException(Limit.IO_NOTIFICATION, "cgroup1", "cgroup v1 counts a job's IO only on a device "
                    + "with a throttle rule: give io-device and io-bandwidth or io-iops as well");
        }
        List<Cgroup1Settings.Setting> writes = settings.changes(next, current); // validates (io-device) before any write
        Map<String, Cgroup1Settings.Setting> before = settings.of(current);
        List<Cgroup1Settings.Setting> done = new ArrayList<>();
        for (Cgroup1Settings.Setting w : writes) {
            guard.check(w.file().getParent(), Operation.LIMIT, true);
        }
        for (Cgroup1Settings.Setting w : writes) {
            try {
                CgroupFiles.write(w.file(), w.value());
                done.add(w);
            } catch (IOException e) {
                undo(done, before);
                throw new LimitRefusedException(w.limit(), "cgroup1", "the kernel rejected it: " + e.getMessage()
                        + "; the previous limits are back in force");
            }
        }
        ProcessRlimits nextR = rlimits(next);
        if (!nextR.equals(rlimits(current))) {
            try {
                nextR.replace(rlimits(current), allPids());
            } catch (JobException e) {
                undo(done, before);
                throw new LimitRefusedException(next.processMemoryBytes() != null ? Limit.PROCESS_MEMORY : Limit.PROCESS_TIME,
                        "cgroup1", e.getMessage() + "; the previous limits are back in force");
            }
        }
        if (watchdog != null && next.killsOnClose() != current.killsOnClose()) {
            watchdog.killOnClose(next.killsOnClose());
        }
        // notifications fire once per setting, as on Windows: a new value re-arms them
        if (!java.util.Objects.equals(next.memoryNotifyBytes(), current.memoryNotifyBytes())) {
            Path mem = dir("memory");
            memoryPeakAtArm = mem == null ? 0 : CgroupFiles.readLong(mem.resolve("memory.max_usage_in_bytes"), 0);
            memoryNotified = false;
        }
        if (!java.util.Objects.equals(next.jobTimeNotify(), current.jobTimeNotify())) {
            jobTimeNotified = false;
        }
        if (!java.util.Objects.equals(next.jobTime(), current.jobTime())) {
            jobTimeFired = false;
        }
        if (!java.util.Objects.equals(next.ioReadNotifyBytes(), current.ioReadNotifyBytes())
                || !java.util.Objects.equals(next.ioWriteNotifyBytes(), current.ioWriteNotifyBytes())) {
            ioNotified = false;
        }
        limits = next;
        if (loop != null) {
            loop.wake();
        }
    }

    private static void undo(List<Cgroup1Settings.Setting> done, Map<String, Cgroup1Settings.Setting> before) {
        for (int i = done.size() - 1; i >= 0; i--) {
            Cgroup1Settings.Setting w = done.get(i);
            try {
                CgroupFiles.write(w.file(), Cgroup1Settings.undo(w, before));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "could not restore " + w.file() + ": " + e.getMessage());
            }
        }
    }

    // ---- counters ----

    @Override
    public JobCounters counters() {
        if (closed) {
            return JobCounters.NONE;
        }
        long user = JobCounters.UNKNOWN;
        long sys = JobCounters.UNKNOWN;
        Path acct = dir("cpuacct");
        Path unified = unifiedDir();
        if (acct != null) {
            user = CgroupFiles.readLong(acct.resolve("cpuacct.usage_user"), -1_000_000) / 1_000_000;
            sys = CgroupFiles.readLong(acct.resolve("cpuacct.usage_sys"), -1_000_000) / 1_000_000;
        } else if (unified != null) {
            Map<String, Long> st = CgroupFiles.readKeyed(unified.resolve("cpu.stat"));
            user = st.getOrDefault("user_usec", -1000L) / 1000;
            sys = st.getOrDefault("system_usec", -1000L) / 1000;
        }
        Path mem = dir("memory");
        long faults = JobCounters.UNKNOWN;
        long used = JobCounters.UNKNOWN;
        long peak = JobCounters.UNKNOWN;
        if (mem != null) {
            faults = CgroupFiles.readKeyed(mem.resolve("memory.stat")).getOrDefault("total_pgfault", JobCounters.UNKNOWN);
            used = CgroupFiles.readLong(mem.resolve("memory.usage_in_bytes"), JobCounters.UNKNOWN);
            peak = CgroupFiles.readLong(mem.resolve("memory.max_usage_in_bytes"), JobCounters.UNKNOWN);
        }
        Set<Long> now = CgroupFiles.procsRecursive(trackingDir());
        int total = processes.total(now);
        long peakProc = peakProcessBytes;
        for (long pid : now) {
            peakProc = Math.max(peakProc, vmHwm(pid));
        }
        peakProcessBytes = peakProc;
        long[] io = io();
        return new JobCounters(user, sys, faults, total, now.size(), limitKills + oomKillsNow(),
                io[0], io[1], io[2], io[3], io[4], io[5], used, peak, peakProc);
    }

    private long oomKillsNow() {
        Path mem = dir("memory");
        return mem == null ? 0 : CgroupFiles.readKeyed(mem.resolve("memory.oom_control")).getOrDefault("oom_kill", 0L);
    }

    /**
     * read ops, write ops, other (discard) ops, read bytes, write bytes, other bytes: blkio throttle accounting,
     * recursive, of the io-device; UNKNOWN unless the job has an IO rate limit.
     */
    private long[] io() {
        Path blkio = dir("blkio");
        JobLimits l = limits;
        if (blkio == null || (l.ioBandwidthBytesPerSec() == null && l.ioIops() == null)) {
            // v1 blk-throttle counts only IO on a device that has a throttle rule: without one these stay 0, which would lie
            long u = JobCounters.UNKNOWN;
            return new long[] {u, u, u, u, u, u};
        }
        long[] ops = sumIo(blkio.resolve("blkio.throttle.io_serviced_recursive"));
        long[] bytes = sumIo(blkio.resolve("blkio.throttle.io_service_bytes_recursive"));
        return new long[] {ops[0], ops[1], ops[2], bytes[0], bytes[1], bytes[2]};
    }

    private static long[] sumIo(Path file) {
        long[] r = new long[3];
        String s = CgroupFiles.read(file);
        if (s == null) {
            return r;
        }
        for (String line : s.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3) {
                long v = Long.parseLong(f[2]);
                switch (f[1]) {
                    case "Read" -> r[0] += v;
                    case "Write" -> r[1] += v;
                    case "Discard" -> r[2] += v;
                    default -> { }
                }
            }
        }
        return r;
    }

    private static long vmHwm(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // exited meanwhile
        }
        return 0;
    }

    // ---- events (event thread only) ----

    private void later(JobEvent e) {
        pending.add(e);
        EventLoop l = loop;
        if (l != null && !closed) {
            l.wake();
        }
    }

    private void check() {
        if (closed) {
            return;
        }
        for (JobEvent e; (e = pending.poll()) != null; ) {
            events.accept(e);
        }
        Instant now = Instant.now();
        JobLimits l = limits;
        // processes
        Set<Long> current = CgroupFiles.procsRecursive(trackingDir());
        ProcessRlimits r = rlimits(l);
        if (processes.tick(current, now, e -> {
            if (e instanceof JobEvent.NewProcess n) {
                HostProcess.newcomer(n.pid(), r); // the limits a child of the host could not inherit
            }
            events.accept(e);
            if (e instanceof JobEvent.AbnormalExit x && x.signal() == SIGXCPU && l.processTime() != null) {
                // RLIMIT_CPU ran out: the kernel's SIGXCPU ended it
                events.accept(new JobEvent.EndOfProcessTime(now, x.pid(), l.processTime()));
            }
        })) {
            // We put a process in: the job was populated even if it emptied again before cgroup.events said 1
            // (the kernel reports one change per file per 10 ms), so the next "populated 0" is a real emptying.
            populated = true;
        }
        // ActiveProcessZero: unified cgroup.events "populated", else the process list
        Path unified = unifiedDir();
        boolean pop = unified != null
                ? CgroupFiles.readKeyed(unified.resolve("cgroup.events")).getOrDefault("populated", 0L) == 1
                : !current.isEmpty();
        if (populated && !pop) {
            events.accept(new JobEvent.ActiveProcessZero(now));
        }
        populated = pop;
        // ActiveProcessLimit: pids.events "max" counts forks refused by pids.max
        Path pids = dir("pids");
        if (pids != null) {
            long max = CgroupFiles.readKeyed(pids.resolve("pids.events")).getOrDefault("max", 0L);
            long used = CgroupFiles.readLong(pids.resolve("pids.current"), current.size());
            if (pidsCrossing.counted(max) && l.activeProcesses() != null) {
                events.accept(new JobEvent.ActiveProcessLimit(now, 0, l.activeProcesses(), used));
            }
            pidsCrossing.settle(used, l.activeProcesses() == null ? -1 : l.activeProcesses());
        }
        Path mem = dir("memory");
        if (mem != null) {
            // The memory notification first: usage passes the soft threshold before it reaches the hard limit.
            if (l.memoryNotifyBytes() != null && !memoryNotified) {
                long threshold = l.memoryNotifyBytes();
                long usage = CgroupFiles.readLong(mem.resolve("memory.usage_in_bytes"), 0);
                // Usage may have jumped past the threshold and dropped again (an OOM kill) between two ticks;
                // a peak that rose past it since the notification was armed shows that crossing.
                long peak = CgroupFiles.readLong(mem.resolve("memory.max_usage_in_bytes"), 0);
                long reported = usage >= threshold ? usage
                        : peak >= threshold && memoryPeakAtArm < threshold ? peak : -1;
                if (reported >= 0) {
                    memoryNotified = true;
                    events.accept(new JobEvent.NotificationLimit(now, Limit.MEMORY_NOTIFICATION, threshold, reported));
                }
            }
            // JobMemoryLimit: the OOM killer ran in this job (oom_kill counter of memory.oom_control)
            long kills = oomKillsNow();
            if (kills > oomKills) {
                events.accept(new JobEvent.JobMemoryLimit(now, 0, l.jobMemoryBytes() == null ? -1 : l.jobMemoryBytes(),
                        CgroupFiles.readLong(mem.resolve("memory.max_usage_in_bytes"), -1), kills));
            }
            oomKills = kills;
        }
        // job user time
        if ((l.jobTime() != null && !jobTimeFired) || (l.jobTimeNotify() != null && !jobTimeNotified)) {
            Duration user = userTime();
            if (l.jobTimeNotify() != null && !jobTimeNotified && user.compareTo(l.jobTimeNotify()) >= 0) {
                jobTimeNotified = true;
                events.accept(new JobEvent.NotificationLimit(now, Limit.JOB_TIME_NOTIFICATION, l.jobTimeNotify().toMillis(), user.toMillis()));
            }
            if (l.jobTime() != null && !jobTimeFired && user.compareTo(l.jobTime()) >= 0) {
                jobTimeFired = true;
                if (l.jobTimeAction() != JobTimeAction.POST) {
                    long before = allPids().stream().filter(p -> p != SELF).count();
                    terminate(1);
                    limitKills += before;
                }
                events.accept(new JobEvent.EndOfJobTime(now, l.jobTime(), user));
            }
        }
        if ((l.ioReadNotifyBytes() != null || l.ioWriteNotifyBytes() != null) && !ioNotified) {
            long[] io = io();
            if (l.ioReadNotifyBytes() != null && io[3] >= l.ioReadNotifyBytes()) {
                ioNotified = true;
                events.accept(new JobEvent.NotificationLimit(now, Limit.IO_NOTIFICATION, l.ioReadNotifyBytes(), io[3]));
            } else if (l.ioWriteNotifyBytes() != null && io[4] >= l.ioWriteNotifyBytes()) {
                ioNotified = true;
                events.accept(new JobEvent.NotificationLimit(now, Limit.IO_NOTIFICATION, l.ioWriteNotifyBytes(), io[4]));
            }
        }
    }

    private Duration userTime() {
        Path acct = dir("cpuacct");
        if (acct != null) {
            return Duration.ofNanos(CgroupFiles.readLong(acct.resolve("cpuacct.usage_user"), 0));
        }
        Path unified = unifiedDir();
        return unified == null ? Duration.ZERO
                : Duration.ofNanos(CgroupFiles.readKeyed(unified.resolve("cpu.stat")).getOrDefault("user_usec", 0L) * 1000);
    }

    // ---- terminate ----

    @Override
    public void terminate(int exitCode) {
        // Linux has no exit code to impose: every process dies of SIGKILL (exit status 128+9).
        if (closed) {
            return;
        }
        killAll();
    }

    private boolean selfInside() {
        return allPids().contains(SELF);
    }

    private void killAll() {
        long deadline = System.nanoTime() + 10_000_000_000L;
        if (selfInside()) {
            // keep-host: never cgroup.kill or freeze a job holding this process; kill every other task until only we are left
            for (Path d : dirs.values()) {
                guard.check(d, Operation.KILL_OTHERS, true);
            }
            killLoop(deadline, false);
            return;
        }
        Path unified = unifiedDir();
        if (unified != null && Files.exists(unified.resolve("cgroup.kill"))) {
            guard.check(unified, Operation.KILL, true);
            try {
                CgroupFiles.write(unified.resolve("cgroup.kill"), "1");
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "job " + name + ": cgroup.kill failed (" + e.getMessage() + "), killing task by task");
            }
            if (waitEmpty(System.nanoTime() + 2_000_000_000L)) {
                return;
            }
        }
        killLoop(deadline, dir("freezer") != null);
    }

    /**
     * SIGKILL every task until the job is empty (or only this process is left), never by a pid read earlier:
     * through {@link JobSignals} (pidfds, membership re-read once they are open). With {@code freeze}, each round
     * first freezes the job and waits for FROZEN, so no member can fork or exit (and free its pid) mid-round; on a
     * kernel without pidfds only the tasks of the frozen freezer cgroup are signalled, by plain pid.
     */
    private void killLoop(long deadline, boolean freeze) {
        Path freezer = dir("freezer");
        if (freeze) {
            guard.check(freezer, Operation.FREEZE, true);
            for (Path d : dirs.values()) {
                guard.check(d, Operation.KILL, true);
            }
        }
        while (System.nanoTime() < deadline) {
            Set<Long> left = allPids();
            left.remove(SELF);
            if (left.isEmpty()) {
                return;
            }
            if (freeze) {
                try {
                    if (frozen(freezer, deadline)) {
                        Set<Long> inFreezer = CgroupFiles.procsRecursive(freezer);
                        JobSignals.signalFrozen(inFreezer, this::allPids, Libc.SIGKILL);
                        left.removeAll(inFreezer);
                    }
                    if (!left.isEmpty() && JobSignals.pidfdAvailable()) {
                        JobSignals.signalMembers(left, this::allPids, Libc.SIGKILL); // members outside the freezer cgroup
                    }
                } finally {
                    writeQuietly(freezer.resolve("freezer.state"), "THAWED");
                }
            } else {
                JobSignals.signalMembers(left, this::allPids, Libc.SIGKILL);
            }
            sleep(20);
        }
        throw new JobException("job " + name + ": processes still alive after 10 s of SIGKILL: " + allPids());
    }

    /** Asks the v1 freezer to freeze the job and waits (up to 1 s) until it says FROZEN: every task stopped. */
    private static boolean frozen(Path freezer, long deadline) {
        long until = Math.min(deadline, System.nanoTime() + 1_000_000_000L);
        Path state = freezer.resolve("freezer.state");
        do {
            writeQuietly(state, "FROZEN");
            String now = CgroupFiles.read(state);
            if (now != null && now.trim().equals("FROZEN")) {
                return true;
            }
            sleep(2);
        } while (System.nanoTime() < until);
        return false;
    }

    private boolean waitEmpty(long deadline) {
        while (System.nanoTime() < deadline) {
            if (allPids().isEmpty()) {
                return true;
            }
            sleep(10);
        }
        return allPids().isEmpty();
    }

    private static void writeQuietly(Path file, String value) {
        try {
            CgroupFiles.write(file, value);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, e.getMessage());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public Set<Long> kill(java.util.Collection<Long> pids) {
        return closed ? Set.of() : JobSignals.signalMembers(pids, this::allPids, Libc.SIGKILL);
    }

    @Override
    public Set<Long> stop(java.util.Collection<Long> pids) {
        return closed ? Set.of() : JobSignals.signalMembers(pids, this::allPids, Libc.SIGSTOP);
    }

    @Override
    public boolean canStop() {
        return true;
    }

    // ---- nesting, location, close ----

    @Override
    public BackendJob createChild(JobSpec spec, Consumer<JobEvent> childEvents) {
        open();
        return new Cgroup1Job(backend, spec, this, childEvents);
    }

    @Override
    public String location() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<Hierarchy, Path> e : dirs.entrySet()) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(e.getKey().label()).append('=').append(e.getValue());
        }
        return b.toString();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        JobLimits l = limits;
        try {
            if (selfInside()) {
                // the host leaves the job before it goes: back to the cgroups the job was made under
                for (Path d : parentDirs.values()) {
                    writeQuietly(d.resolve("cgroup.procs"), String.valueOf(SELF));
                }
                HostProcess.left();
            }
            if (l.killsOnClose()) {
                killAll();
            } else if (parent != null) {
                // a nested job's processes stay in the parent job
                for (long pid : allPids()) {
                    for (Path d : parentDirs.values()) {
                        writeQuietly(d.resolve("cgroup.procs"), String.valueOf(pid));
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "job " + name + ": close could not empty the job: " + e.getMessage());
        } finally {
            closed = true;
            loop.close();
        }
        boolean removed = removeDirs(System.nanoTime() + 3_000_000_000L);
        if (watchdog != null) {
            if (removed) {
                watchdog.close();
            } else {
                // processes remain (kill-on-close off, or unkillable): the watchdog removes the cgroups once they are gone
                watchdog.killOnClose(false);
                watchdog.detach();
            }
        }
    }

    private boolean removeDirs(long deadline) {
        List<Path> tree = new ArrayList<>();
        for (Path d : dirs.values()) {
            tree.addAll(CgroupFiles.tree(d));
        }
        Collections.reverse(tree); // deepest first
        while (true) {
            boolean all = true;
            for (Path d : tree) {
                try {
                    Files.deleteIfExists(d);
                } catch (DirectoryNotEmptyException e) {
                    all = false;
                } catch (IOException e) {
                    all = false; // EBUSY: tasks still leaving
                }
            }
            if (all || System.nanoTime() > deadline) {
                return all;
            }
            sleep(20);
        }
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("job " + name + " is closed");
        }
    }
}
