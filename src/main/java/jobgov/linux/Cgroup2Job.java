package jobgov.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
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
 * One cgroup v2 job: the directory {@code jobgov-NAME.PID} in the unified hierarchy, under this process's own
 * cgroup (or {@link JobSpec#parent()}, or the parent job for a nested job), placed by {@link Cgroup2Tree}
 * with the controllers its limits need, limits written by {@link Cgroup2Limits}.
 *
 * <p>Events: one {@link EventLoop} thread with inotify on {@code cgroup.events}, {@code memory.events} and
 * {@code pids.events} (see {@link Cgroup2Events}); forks and exits with their statuses from the process-events
 * connector where it can be had ({@link ConnectorFeed}: root); a 100 ms tick for the process list (what the
 * connector cannot see, and all of it without the connector), job time and notification limits.
 *
 * <p>Terminate: {@code cgroup.kill}, which takes double-forked processes too. Keep-host, as in cgroup1: when
 * this process is inside the job (the Java agent governs its own JVM), no {@code cgroup.kill}: every other
 * process gets SIGKILL through a pidfd ({@link JobSignals}) until only the caller is left.
 */
final class Cgroup2Job implements BackendJob {
    private static final System.Logger LOG = System.getLogger("jobgov.linux");
    private static final long TICK_MILLIS = 100;
    /** The tick while the connector reports the processes and no limit is polled: for escapes and outside writes. */
    private static final long QUIET_TICK_MILLIS = 1000;
    /** How long a start waits for the event thread's connector subscription (it comes within ms unless JNA loads slowly). */
    private static final long ARMING_WAIT_MILLIS = 5000;
    private static final long SELF = ProcessHandle.current().pid();

    private final Cgroup2Backend backend;
    private final Cgroup2Tree tree;
    private final CgroupGuard guard;
    private final String name;
    private final Consumer<JobEvent> listener;
    private final Cgroup2Tree.Placement placement;
    private final Path dir;
    private final Path origin;
    private final Cgroup2Limits writer;
    private final Cgroup2Events events;
    private final EventLoop loop;
    private final ConnectorFeed connector;
    private final Watchdog watchdog;
    private final CgroupKill kill;
    private volatile JobLimits limits = JobLimits.NONE;
    private volatile boolean closed;

    /** Events raised off the event thread (the watchdog's death), delivered by the next tick. */
    private final java.util.concurrent.ConcurrentLinkedQueue<JobEvent> pending = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final ProcessTracker processes;
    private JobEvent heldZero; // event thread only
    private volatile long limitKills;

    Cgroup2Job(Cgroup2Backend backend, Path parentDir, JobSpec spec, boolean nested, Consumer<JobEvent> listener) {
        this.backend = backend;
        this.tree = backend.tree();
        this.guard = backend.guard();
        this.name = spec.name();
        this.listener = listener;
        this.writer = new Cgroup2Limits(tree.fs(), OnlineCpus.count(), dev -> Cgroup2BlockDevice.numbers(dev, Path.of("/sys/class/block")));
        this.placement = placeFor(spec.limits(), parentDir);
        this.dir = placement.job();
        Path jobDir = dir;
        this.processes = new ProcessTracker(0, () -> jobDir);
        this.connector = new ConnectorFeed(processes, () -> rlimits(limits), this::wake);
        this.kill = new CgroupKill(name, tree.fs(), guard, List.of(dir), this::members, dir.resolve("cgroup.kill"), null);
        // Where this process lives now (the leaf, if its cgroup had to be emptied): where it returns on close.
        this.origin = backend.ownDir();
        EventLoop l = null;
        Watchdog w = null;
        try {
            this.events = new Cgroup2Events(tree.fs(), dir);
            l = new EventLoop(name, TICK_MILLIS, this::check, listener);
            l.whenQuiet(QUIET_TICK_MILLIS, this::quiet);
            l.onArm(connector::open); // on the event thread: job creation does not load JNA
            for (String file : Cgroup2Events.WATCHED) {
                if (tree.fs().exists(dir.resolve(file))) {
                    l.watch(dir.resolve(file));
                }
            }
            guard.check(dir, Operation.LIMIT, true);
            writer.apply(dir, spec.limits(), JobLimits.NONE);
            if (!nested) {
                Path kill = dir.resolve("cgroup.kill");
                w = Watchdog.start(name, spec.limits().killsOnClose(), Files.exists(kill) ? kill : null, null,
                        List.of(origin.resolve("cgroup.procs")), List.of(dir), this::later);
            }
        } catch (RuntimeException e) {
            if (l != null) {
                l.close();
            }
            if (w != null) {
                w.close();
            }
            tree.remove(placement);
            throw e;
        }
        this.loop = l;
        this.watchdog = w;
        this.limits = spec.limits();
        loop.start();
    }

    private Cgroup2Tree.Placement placeFor(JobLimits l, Path parentDir) {
        Set<Cgroup2Controller> needed = Cgroup2Limits.controllers(l);
        try {
            return tree.place(parentDir, "jobgov-" + name + "." + SELF, SELF, needed);
        } catch (JobException e) {
            throw refusal(e, l, needed);
        }
    }

    /** A controller that cannot be had is a refusal of the first limit that needs it. */
    private static JobException refusal(JobException e, JobLimits l, Set<Cgroup2Controller> needed) {
        for (Limit limit : l.requested()) {
            Set<Cgroup2Controller> c = Cgroup2Limits.controllers(only(l, limit));
            c.retainAll(needed);
            if (!c.isEmpty() && e.getMessage().contains(c.iterator().next().key())) {
                return new LimitRefusedException(limit, "cgroup2", e.getMessage());
            }
        }
        return e;
    }

    private static JobLimits only(JobLimits l, Limit limit) {
        JobLimits.Builder b = JobLimits.builder();
        switch (limit) {
            case JOB_MEMORY -> b.jobMemoryBytes(l.jobMemoryBytes());
            case WORKING_SET -> b.workingSetBytes(l.minWorkingSetBytes(), l.maxWorkingSetBytes());
            case MEMORY_NOTIFICATION -> b.memoryNotifyBytes(l.memoryNotifyBytes());
            case ACTIVE_PROCESSES -> b.activeProcesses(l.activeProcesses());
            case CPU_RATE -> b.cpuRatePercent(l.cpuRatePercent());
            case CPU_WEIGHT -> b.cpuWeight(l.cpuWeight());
            case AFFINITY -> b.affinity(l.affinity());
            case IO_RATE -> b.ioBandwidthBytesPerSec(l.ioBandwidthBytesPerSec()).ioIops(l.ioIops()).ioDevice(l.ioDevice());
            default -> { }
        }
        return b.build();
    }

    Path dir() {
        return dir;
    }

    // ---- processes ----

    @Override
    public void assign(long pid) {
        open();
        JobStart.assign(pid, List.of(dir), rlimits(limits), name, processes);
        loop.wake();
    }

    @Override
    public Process start(ProcessBuilder command) {
        open();
        JobStart.checkExecutable(command);
        loop.awaitArmed(ARMING_WAIT_MILLIS); // the connector then sees the command's very first forks and exits
        Process p = JobStart.start(command, List.of(dir), rlimits(limits), name, processes, () -> {
            if (!closed) {
                loop.wake();
            }
        });
        loop.wake();
        return p;
    }

    @Override
    public List<Long> pids() {
        return closed ? List.of() : List.copyOf(new TreeSet<>(CgroupFiles.procsRecursive(dir)));
    }

    // ---- limits ----

    private static ProcessRlimits rlimits(JobLimits l) {
        return new ProcessRlimits(l.processMemoryBytes(), l.processTime());
    }

    @Override
    public synchronized void apply(JobLimits next, JobLimits current) {
        open();
        guard.check(dir, Operation.LIMIT, true);
        HostProcess.checkProcessLimit("cgroup2", next.activeProcesses(), current.activeProcesses(), pids(),
                () -> tree.fs().number(dir.resolve("pids.current"), -1));
        Set<Cgroup2Controller> needed = Cgroup2Limits.controllers(next);
        Set<Cgroup2Controller> have = EnumSet.noneOf(Cgroup2Controller.class);
        try {
            have.addAll(tree.controllers(dir));
        } catch (IOException e) {
            throw new JobException("job " + name + ": cannot read " + dir.resolve("cgroup.controllers") + ": " + e.getMessage(), e);
        }
        if (!have.containsAll(needed)) {
            try {
                tree.enable(placement, needed, SELF);
            } catch (JobException e) {
                throw refusal(e, next, needed);
            }
            for (String file : Cgroup2Events.WATCHED) {
                if (tree.fs().exists(dir.resolve(file))) {
                    loop.watch(dir.resolve(file)); // the same file twice is one watch
                }
            }
        }
        writer.apply(dir, next, current);
        ProcessRlimits nextR = rlimits(next);
        if (!nextR.equals(rlimits(current))) {
            try {
                nextR.replace(rlimits(current), CgroupFiles.procsRecursive(dir));
            } catch (JobException e) {
                writer.apply(dir, current, next);
                throw new LimitRefusedException(next.processMemoryBytes() != null ? Limit.PROCESS_MEMORY : Limit.PROCESS_TIME,
                        "cgroup2", e.getMessage() + "; the previous limits are back in force");
            }
        }
        if (watchdog != null && next.killsOnClose() != current.killsOnClose()) {
            watchdog.killOnClose(next.killsOnClose());
        }
        limits = next;
        loop.wake();
    }

    // ---- counters ----

    @Override
    public JobCounters counters() {
        if (closed) {
            return JobCounters.NONE;
        }
        Set<Long> now = CgroupFiles.procsRecursive(dir);
        int total = processes.total(now);
        long oomKills = Cgroup2Counters.flatKeyed(Cgroup2Counters.readOrEmpty(tree.fs(), dir.resolve("memory.events"))).getOrDefault("oom_kill", 0L);
        return Cgroup2Counters.read(tree.fs(), dir, total, now.size(), limitKills + oomKills);
    }

    // ---- events (event thread only) ----

    /** Brings the event thread's next check on (from any thread; the connector's feed takes it before the loop exists). */
    private void wake() {
        loop.wake();
    }

    private void later(JobEvent e) {
        pending.add(e);
        EventLoop l = loop;
        if (l != null && !closed) {
            l.wake();
        }
    }

    /**
     * Nothing needs the fast tick (event thread): the connector reports forks and exits, cgroup.events, memory.events
     * and pids.events notify, no exit waits for its status, no emptying is held back, and no limit is polled.
     */
    private boolean quiet() {
        return connector.subscribed() && heldZero == null && !processes.awaitingStatus() && !PolledLimits.any(limits);
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
        Set<Long> current = CgroupFiles.procsRecursive(dir);
        ProcessRlimits r = rlimits(l);
        if (processes.tick(current, now, e -> {
            if (e instanceof JobEvent.NewProcess n) {
                HostProcess.newcomer(n.pid(), r); // the limits a child of the host could not inherit
            }
            listener.accept(e);
        })) {
            // on the event thread, once per process: a late report of a process must not make a second emptying
            events.populatedByUs();
        }
        for (String file : Cgroup2Events.WATCHED) {
            for (JobEvent e : events.changed(file, l, now)) {
                if (e instanceof JobEvent.ActiveProcessZero) {
                    heldZero = e; // after the exits of the processes we started, as Windows orders them
                } else {
                    listener.accept(e);
                }
            }
        }
        if (heldZero != null && (!processes.anyStarted() || Duration.between(heldZero.time(), now).toMillis() > 1000)) {
            listener.accept(heldZero);
            heldZero = null;
        }
        for (JobEvent e : events.tick(l, now)) {
            if (e instanceof JobEvent.EndOfJobTime && l.jobTimeAction() != JobTimeAction.POST) {
                long before = current.stream().filter(p -> p != SELF).count();
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

    private boolean selfInside() {
        return kill.selfInside();
    }

    private Set<Long> members() {
        return tree.fs().procsRecursive(dir);
    }

    @Override
    public Set<Long> kill(java.util.Collection<Long> pids) {
        return closed ? Set.of() : JobSignals.signalMembers(pids, this::members, Libc.SIGKILL);
    }

    @Override
    public Set<Long> stop(java.util.Collection<Long> pids) {
        return closed ? Set.of() : JobSignals.signalMembers(pids, this::members, Libc.SIGSTOP);
    }

    @Override
    public boolean canStop() {
        return true;
    }

    // ---- nesting, location, close ----

    @Override
    public BackendJob createChild(JobSpec spec, Consumer<JobEvent> childEvents) {
        open();
        return new Cgroup2Job(backend, dir, spec, true, childEvents);
    }

    /** Where the job's process and limit events come from (MBean attribute EventSource, status). */
    @Override
    public String eventSource() {
        return loop.armed() ? connector.source(TICK_MILLIS, QUIET_TICK_MILLIS) + ", inotify" : connector.source(TICK_MILLIS, 0);
    }

    @Override
    public String location() {
        return "unified=" + dir;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            if (selfInside()) {
                leave();
                HostProcess.left();
            }
            if (limits.killsOnClose()) {
                kill.killAll();
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "job " + name + ": close could not empty the job: " + e.getMessage());
        } finally {
            closed = true;
            connector.close();
            loop.close();
        }
        tree.remove(placement);
        if (watchdog != null) {
            if (!Files.exists(dir)) {
                watchdog.close();
            } else {
                // Processes remain (kill-on-close off): the watchdog removes the cgroup once they are gone.
                watchdog.killOnClose(false);
                watchdog.detach();
            }
        }
    }

    /**
     * The host leaves the job before it goes: back to where it lived when the job was made, or into the
     * leaf there if a later limit needed controllers in that cgroup (which may then hold no process).
     */
    private void leave() throws IOException {
        try {
            CgroupFiles.write(origin.resolve("cgroup.procs"), Long.toString(SELF));
        } catch (IOException e) {
            Path leaf = origin.resolve(Cgroup2Tree.LEAF_PREFIX + SELF);
            if (!Files.isDirectory(leaf)) {
                throw e;
            }
            CgroupFiles.write(leaf.resolve("cgroup.procs"), Long.toString(SELF));
        }
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("job " + name + " is closed");
        }
    }

    @Override
    public String toString() {
        return "cgroup2 job " + name + " at " + dir + (Objects.equals(origin, dir.getParent()) ? "" : " (host in " + origin + ")");
    }
}
