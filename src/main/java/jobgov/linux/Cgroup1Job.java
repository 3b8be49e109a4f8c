package jobgov.linux;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import jobgov.job.BackendJob;
import jobgov.job.JobCounter;
import jobgov.job.JobCounters;
import jobgov.job.JobEvent;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.JobTimeAction;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;

/**
 * One cgroup v1 job's life: its directories ({@link Cgroup1Dirs}, {@code jobgov-NAME.PID} in every hierarchy of
 * {@link Cgroup1Backend#hierarchies()}), its limits ({@link Cgroup1Limits}), its counters ({@link Cgroup1Counters}),
 * its events ({@link Cgroup1Events} on one {@code jobgov-events-NAME} thread, {@link EventLoop}) and its end
 * ({@link CgroupKill}, shared with cgroup v2). This class ties them together: it creates the job, puts processes
 * in, applies limits with the per-process rlimits, runs the event check and closes the job.
 *
 * <p>Events come from inotify on the unified {@code cgroup.events} and on {@code pids.events} (v1 sends no
 * notification for it on 6.x kernels, so in practice the tick reads it), a v1 {@code cgroup.event_control} eventfd
 * on {@code memory.oom_control}, and a 100 ms tick that tracks {@code cgroup.procs} (NewProcess / ProcessExited,
 * exit codes only for processes started through {@link #start}), the job's user time and the notification limits.
 *
 * <p>Closing a job that holds this process first moves the caller back to the job's parent cgroups.
 */
final class Cgroup1Job implements BackendJob {
    private static final System.Logger LOG = System.getLogger("jobgov.linux");
    private static final long TICK_MILLIS = 100;
    /** The tick while the connector reports the processes and no limit is polled: for escapes and outside writes. */
    private static final long QUIET_TICK_MILLIS = 1000;
    /** How long a start waits for the event thread to subscribe (it is armed within milliseconds unless the host is starved). */
    private static final long ARMING_WAIT_MILLIS = 5000;
    private static final long SELF = ProcessHandle.current().pid();
    private static final int SIGXCPU = 24;

    private final Cgroup1Backend backend;
    private final CgroupFs fs;
    private final String name;
    private final Consumer<JobEvent> listener;
    private final Cgroup1Job parent;
    private final Cgroup1Dirs dirs;
    private final Cgroup1Limits writer;
    private final Cgroup1Counters counters;
    private final Cgroup1Events events;
    private final CgroupKill kill;
    private final EventLoop loop;
    private final Watchdog watchdog;
    private final ProcessTracker processes;
    private volatile JobLimits limits = JobLimits.NONE;
    private volatile boolean closed;

    /** Events raised off the event thread (the watchdog's death), delivered by the next tick. */
    private final ConcurrentLinkedQueue<JobEvent> pending = new ConcurrentLinkedQueue<>();
    private volatile long limitKills;
    private final ConnectorFeed connector;
    private final java.util.concurrent.atomic.AtomicLong peakProcessBytes = new java.util.concurrent.atomic.AtomicLong();
    // per-process peak sampling, asked for by a counters() read and done on the event thread
    private volatile boolean peakAsked;
    private volatile long peakSampledAt = System.nanoTime() - 2_000_000_000L;

    Cgroup1Job(Cgroup1Backend backend, JobSpec spec, Cgroup1Job parent, Consumer<JobEvent> listener) {
        this.backend = backend;
        this.fs = backend.fs();
        this.name = spec.name();
        this.listener = listener;
        this.parent = parent;
        this.dirs = new Cgroup1Dirs(fs, bases(backend, spec, parent), "jobgov-" + spec.name() + "." + SELF);
        this.processes = new ProcessTracker(dirs.trackingHierarchy().id(), dirs::tracking);
        this.connector = new ConnectorFeed(processes, () -> rlimits(limits), this::wake);
        CgroupGuard guard = backend.guard();
        this.writer = new Cgroup1Limits(fs, guard, new Cgroup1Settings(dirs::dir, dirs.baseCpuset(), Cgroup1Backend.machineCpus()));
        this.counters = new Cgroup1Counters(fs, dirs);
        this.events = new Cgroup1Events(fs, dirs, counters);
        EventLoop l = null;
        Watchdog w = null;
        boolean made = false;
        try {
            dirs.make(name);
            made = true;
            writer.apply(spec.limits(), JobLimits.NONE);
            events.rearm(spec.limits(), JobLimits.NONE);
            l = new EventLoop(name, TICK_MILLIS, this::check, listener);
            l.whenQuiet(QUIET_TICK_MILLIS, this::quiet);
            Path unified = dirs.unified();
            if (unified != null) {
                l.watch(unified.resolve("cgroup.events"));
            }
            Path pids = dirs.dir("pids");
            if (pids != null) {
                l.watch(pids.resolve("pids.events"));
            }
            EventLoop armed = l;
            l.onArm(() -> events.registerOom(armed, name)); // on the event thread: job creation does not load JNA
            l.onArm(connector::open); // forks and exits from the process-events connector, where it can be had
            Path killFile = dirs.killFile();
            Path freezer = dirs.dir("freezer");
            if (parent == null) {
                Path freezerState = killFile == null && freezer != null ? freezer.resolve("freezer.state") : null;
                List<Path> homeProcs = backend.home().values().stream().map(p -> p.resolve("cgroup.procs")).toList();
                w = Watchdog.start(name, spec.limits().killsOnClose(), killFile, freezerState, homeProcs, dirs.all(), this::later);
            }
            this.kill = new CgroupKill(name, fs, guard, dirs.all(), dirs::allPids, killFile, freezer);
        } catch (IOException | RuntimeException e) {
            if (l != null) {
                l.close();
            }
            if (w != null) {
                w.close();
            }
            if (made) {
                dirs.remove(System.nanoTime());
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

    /**
     * Where the job's directory goes in each hierarchy: the parent job's directory, else the spec's parent cgroup
     * (resolved only inside the hierarchy: checked before any mkdir), else this process's own cgroup there.
     */
    private static Map<Hierarchy, Path> bases(Cgroup1Backend backend, JobSpec spec, Cgroup1Job parent) {
        Map<Hierarchy, Path> own = backend.ownDirsNow();
        Map<Hierarchy, Path> bases = new LinkedHashMap<>();
        for (Hierarchy h : backend.hierarchies()) {
            Path base;
            if (parent != null) {
                base = parent.dirs.byHierarchy().get(h);
            } else if (spec.parent() != null) {
                String path = spec.parent().startsWith("/") ? spec.parent() : "/" + spec.parent();
                base = h.containedDir(path);
                if (base == null) {
                    Path d = h.dir(path);
                    throw new JobException("parent cgroup " + spec.parent() + " does not exist in the " + h.label()
                            + " hierarchy" + (d == null ? " (not under " + h.mountPoint() + ")" : " (" + d + ")"));
                }
            } else {
                base = own.get(h);
            }
            bases.put(h, base);
        }
        return bases;
    }

    /** Where the job's process and limit events come from (MBean attribute EventSource, status). */
    @Override
    public String eventSource() {
        // what is true now: before the event thread has armed, and where libc is out of reach, only the tick runs
        return loop.armed() ? connector.source(TICK_MILLIS, QUIET_TICK_MILLIS) + ", inotify, eventfd" : connector.source(TICK_MILLIS, 0);
    }

    /** The job's directory for a v1 controller (or null when not mounted). */
    Path dir(String controller) {
        return dirs.dir(controller);
    }

    // ---- processes ----

    @Override
    public void assign(long pid) {
        open();
        JobStart.assign(pid, dirs.all(), rlimits(limits), name, processes);
        loop.wake();
    }

    @Override
    public Process start(ProcessBuilder command) {
        open();
        JobStart.checkExecutable(command);
        loop.awaitArmed(ARMING_WAIT_MILLIS); // the connector then sees the command's very first forks and exits
        Process p = JobStart.start(command, dirs.all(), rlimits(limits), name, processes, () -> {
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
        return List.copyOf(new TreeSet<>(dirs.procs()));
    }

    // ---- limits ----

    private static ProcessRlimits rlimits(JobLimits l) {
        return new ProcessRlimits(l.processMemoryBytes(), l.processTime());
    }

    @Override
    public synchronized void apply(JobLimits next, JobLimits current) {
        Path pids = dirs.dir("pids");
        HostProcess.checkProcessLimit("cgroup1", next.activeProcesses(), current.activeProcesses(), dirs.allPids(),
                () -> pids == null ? -1 : fs.number(pids.resolve("pids.current"), -1));
        Runnable undo = writer.apply(next, current);
        ProcessRlimits nextR = rlimits(next);
        if (!nextR.equals(rlimits(current))) {
            try {
                nextR.replace(rlimits(current), dirs.allPids());
            } catch (JobException e) {
                undo.run();
                throw new LimitRefusedException(next.processMemoryBytes() != null ? Limit.PROCESS_MEMORY : Limit.PROCESS_TIME,
                        "cgroup1", e.getMessage() + "; the previous limits are back in force");
            }
        }
        if (watchdog != null && next.killsOnClose() != current.killsOnClose()) {
            watchdog.killOnClose(next.killsOnClose());
        }
        events.rearm(next, current);
        limits = next;
        if (loop != null) {
            loop.wake();
        }
    }

    // ---- counters ----

    /**
     * Every counter from the kernel's files (about eight small reads); no per-process file: the per-process peak is
     * the value last sampled on the event thread, and a read asks for a new sample when that one is over a second old.
     */
    @Override
    public JobCounters counters() {
        if (closed) {
            return JobCounters.NONE;
        }
        long[] cpu = counters.cpuMillis();
        Set<Long> now = dirs.procs();
        int total = processes.total(now);
        askPeakSample();
        long[] io = counters.io(limits);
        return new JobCounters(cpu[0], cpu[1], counters.pageFaults(), total, now.size(), limitKills + counters.oomKills(),
                io[0], io[1], io[2], io[3], io[4], io[5], counters.memoryBytes(), counters.peakMemoryBytes(), peakProcessBytes.get());
    }

    /** One counter, from the one file it needs; the per-process peak alone reads /proc/PID/status of every process now. */
    @Override
    public long counter(JobCounter which) {
        if (closed) {
            return JobCounters.UNKNOWN;
        }
        return switch (which) {
            case TOTAL_USER_TIME_MILLIS -> counters.userMillis();
            case TOTAL_KERNEL_TIME_MILLIS -> counters.kernelMillis();
            case TOTAL_PAGE_FAULTS -> counters.pageFaults();
            case TOTAL_PROCESSES -> processes.total(dirs.procs());
            case ACTIVE_PROCESSES -> fs.countProcs(dirs.tracking());
            case TOTAL_TERMINATED_PROCESSES -> limitKills + counters.oomKills();
            case READ_OPERATIONS, WRITE_OPERATIONS, OTHER_OPERATIONS, READ_BYTES, WRITE_BYTES, OTHER_BYTES ->
                    counters.io(limits)[which.ordinal() - JobCounter.READ_OPERATIONS.ordinal()];
            case JOB_MEMORY_USED_BYTES -> counters.memoryBytes();
            case PEAK_JOB_MEMORY_USED_BYTES -> counters.peakMemoryBytes();
            case PEAK_PROCESS_MEMORY_USED_BYTES -> samplePeak(dirs.procs());
        };
    }

    /** Asks the event thread for a per-process peak sample when the last one is over a second old (never waits for it). */
    private void askPeakSample() {
        if (!peakAsked && System.nanoTime() - peakSampledAt > 1_000_000_000L) {
            peakAsked = true;
            loop.wake();
        }
    }

    /** The largest VmHWM of {@code pids} and of every earlier sample; remembered. */
    private long samplePeak(Set<Long> pids) {
        long peak = 0;
        for (long pid : pids) {
            peak = Math.max(peak, vmHwm(pid));
        }
        return peakProcessBytes.accumulateAndGet(peak, Math::max);
    }

    private static long vmHwm(long pid) {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
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

    /** Brings the event thread's next check on (from any thread; the connector's feed takes it before the loop exists). */
    private void wake() {
        loop.wake();
    }

    /**
     * Nothing needs the fast tick (event thread): the connector reports forks and exits, the unified cgroup.events
     * the emptying, no exit waits for its status, and no file the limits need is left without a notification.
     */
    private boolean quiet() {
        return connector.subscribed() && dirs.unified() != null && !processes.awaitingStatus() && !events.polled(limits);
    }

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
            listener.accept(e);
        }
        Instant now = Instant.now();
        JobLimits l = limits;
        Set<Long> current = dirs.procs();
        if (peakAsked) {
            samplePeak(current);
            peakSampledAt = System.nanoTime();
            peakAsked = false;
        }
        ProcessRlimits r = rlimits(l);
        if (processes.tick(current, now, e -> {
            if (e instanceof JobEvent.NewProcess n) {
                HostProcess.newcomer(n.pid(), r); // the limits a child of the host could not inherit
                samplePeak(Set.of(n.pid())); // a short-lived process is seen at least once
            }
            listener.accept(e);
            if (e instanceof JobEvent.AbnormalExit x && x.signal() == SIGXCPU && l.processTime() != null) {
                // RLIMIT_CPU ran out: the kernel's SIGXCPU ended it
                listener.accept(new JobEvent.EndOfProcessTime(now, x.pid(), l.processTime()));
            }
        })) {
            // We put a process in: the job was populated even if it emptied again before cgroup.events said 1
            // (the kernel reports one change per file per 10 ms), so the next "populated 0" is a real emptying.
            events.populatedByUs();
        }
        for (JobEvent e : events.check(l, now, current)) {
            if (e instanceof JobEvent.EndOfJobTime && l.jobTimeAction() != JobTimeAction.POST) {
                long before = dirs.allPids().stream().filter(p -> p != SELF).count();
                terminate(1);
                limitKills += before;
            }
            listener.accept(e);
        }
    }

    // ---- terminate ----

    @Override
    public void terminate(int exitCode) {
        // Linux has no exit code to impose: every process dies of SIGKILL (exit status 128+9).
        if (!closed) {
            kill.killAll();
        }
    }

    @Override
    public Set<Long> kill(java.util.Collection<Long> pids) {
        return closed ? Set.of() : JobSignals.signalMembers(pids, dirs::allPids, Libc.SIGKILL);
    }

    @Override
    public Set<Long> stop(java.util.Collection<Long> pids) {
        return closed ? Set.of() : JobSignals.signalMembers(pids, dirs::allPids, Libc.SIGSTOP);
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
        return dirs.location();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        JobLimits l = limits;
        try {
            if (kill.selfInside()) {
                // the host leaves the job before it goes: back to the cgroups the job was made under
                for (Path d : dirs.bases()) {
                    writeQuietly(d.resolve("cgroup.procs"), String.valueOf(SELF));
                }
                HostProcess.left();
            }
            if (l.killsOnClose()) {
                kill.killAll();
            } else if (parent != null) {
                // a nested job's processes stay in the parent job
                for (long pid : dirs.allPids()) {
                    for (Path d : dirs.bases()) {
                        writeQuietly(d.resolve("cgroup.procs"), String.valueOf(pid));
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "job " + name + ": close could not empty the job: " + e.getMessage());
        } finally {
            closed = true;
            connector.close();
            loop.close();
        }
        boolean removed = dirs.remove(System.nanoTime() + 3_000_000_000L);
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

    private void writeQuietly(Path file, String value) {
        try {
            fs.write(file, value);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, e.getMessage());
        }
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("job " + name + " is closed");
        }
    }
}
