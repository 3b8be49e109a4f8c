package jobgov.degraded;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import jobgov.job.BackendJob;
import jobgov.job.JobCounters;
import jobgov.job.EventThreadFailures;
import jobgov.job.JobEvent;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;

/**
 * A job without a kernel object: the processes it started or was given, and every descendant seen while
 * sweeping {@code /proc} (through {@link ProcessHandle}) every {@value #SWEEP_MILLIS} ms. A process that
 * lives shorter than a sweep may go unseen; a double-forked one escapes as soon as it is reparented.
 *
 * <p>All events come from one daemon thread, {@code jobgov-events-NAME}. Exit codes are known only for
 * processes this job started itself ({@link Process#onExit()}); for the others the exit event carries null.
 *
 * <p>Signals go through the platform's {@link jobgov.job.ProcessControl} (on Linux a pidfd, then the start time
 * re-checked) when it can send them (JNA and pidfds there); else only SIGKILL, through {@link ProcessHandle#destroyForcibly}.
 */
final class DegradedJob implements BackendJob {
    private static final long SWEEP_MILLIS = 100;
    private static final long TERMINATE_MILLIS = 2_000;
    private static final int SIGKILL = 9;
    private static final int SIGSTOP = 19;

    private final String name;
    private final Consumer<JobEvent> events;
    private final DegradedJob parent;
    /** Live processes known to this job, by pid. */
    private final Map<Long, ProcessHandle> tracked = new ConcurrentHashMap<>();
    /** Processes this job started: their exit is reported from onExit, with the exit code. */
    private final Map<Long, Process> own = new ConcurrentHashMap<>();
    private final BlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
    private final AtomicLong totalProcesses = new AtomicLong();
    private final AtomicLong terminatedProcesses = new AtomicLong();
    private final Thread pump;
    private final EventThreadFailures failures;
    private volatile boolean killOnClose;
    private volatile boolean closed;
    /** Touched only by the pump thread: whether ActiveProcessZero is due when the job empties. */
    private boolean populated;

    DegradedJob(JobSpec spec, Consumer<JobEvent> events, DegradedJob parent) {
        this.name = spec.name();
        this.events = events;
        this.parent = parent;
        this.killOnClose = spec.limits().killsOnClose();
        this.pump = new Thread(this::pump, "jobgov-events-" + name);
        pump.setDaemon(true);
        this.failures = new EventThreadFailures(pump.getName(), events, System.getLogger("jobgov.degraded"));
        pump.start();
    }

    @Override
    public void assign(long pid) {
        ProcessHandle h = ProcessHandle.of(pid)
                .orElseThrow(() -> new JobException("no process with pid " + pid + " (it may have exited)"));
        track(h);
    }

    @Override
    public Process start(ProcessBuilder command) {
        Process p;
        try {
            p = command.start();
        } catch (IOException e) {
            throw new JobException("cannot start " + command.command() + ": " + e.getMessage(), e);
        }
        own.put(p.pid(), p);
        track(p.toHandle());
        p.onExit().thenAccept(done -> inbox.add(() -> exited(done)));
        return p;
    }

    private void track(ProcessHandle h) {
        if (tracked.putIfAbsent(h.pid(), h) == null) {
            totalProcesses.incrementAndGet();
            inbox.add(() -> {
                populated = true;
                emit(new JobEvent.NewProcess(Instant.now(), h.pid()));
            });
            if (parent != null) {
                parent.track(h); // a nested job's processes count in its parent too
            }
        }
    }

    @Override
    public List<Long> pids() {
        return live().stream().map(ProcessHandle::pid).sorted().toList();
    }

    @Override
    public void apply(JobLimits next, JobLimits current) {
        // Every limit is refused before it gets here (no capabilities); only kill-on-close=false remains.
        killOnClose = next.killsOnClose();
    }

    @Override
    public JobCounters counters() {
        long u = JobCounters.UNKNOWN;
        long active = live().size();
        return new JobCounters(u, u, u, totalProcesses.get(), active, terminatedProcesses.get(),
                u, u, u, u, u, u, u, u, u);
    }

    /**
     * Kills every process it can still see, repeating while new descendants appear, for up to two seconds.
     * Never this JVM or one of its ancestors (they may be tracked when the agent governs its own host).
     * The processes die by SIGKILL: {@code exitCode} cannot be imposed on them without a kernel job.
     */
    @Override
    public void terminate(int exitCode) {
        Set<Long> spared = spared();
        Set<Long> killed = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TERMINATE_MILLIS);
        while (System.nanoTime() < deadline) {
            // Snapshot the whole tree before killing: a killed parent's children are reparented and vanish from it.
            List<ProcessHandle> victims = live().stream().filter(h -> !spared.contains(h.pid())).toList();
            if (victims.isEmpty()) {
                return;
            }
            for (ProcessHandle h : victims) {
                if (signal(h, SIGKILL) && killed.add(h.pid())) {
                    terminatedProcesses.incrementAndGet();
                }
            }
            for (ProcessHandle h : victims) {
                try {
                    h.onExit().get(50, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    // still dying or not ours to wait for: the next round looks again
                }
            }
        }
    }

    @Override
    public Set<Long> kill(Collection<Long> pids) {
        return signal(pids, SIGKILL);
    }

    @Override
    public Set<Long> stop(Collection<Long> pids) {
        return canStop() ? signal(pids, SIGSTOP) : Set.of();
    }

    /** SIGSTOP needs a pidfd here: the JDK offers no way to stop a process. */
    @Override
    public boolean canStop() {
        return DegradedBackend.OS.canSignal();
    }

    private Set<Long> signal(Collection<Long> pids, int signal) {
        Set<Long> spared = spared();
        Map<Long, ProcessHandle> members = new HashMap<>();
        live().forEach(h -> members.put(h.pid(), h));
        Set<Long> sent = new LinkedHashSet<>();
        for (long pid : pids) {
            ProcessHandle h = members.get(pid);
            if (h != null && !spared.contains(pid) && signal(h, signal)) {
                sent.add(pid);
            }
        }
        return sent;
    }

    /**
     * Signals the process {@code h} names, never a successor of its pid: with a pidfd held, the pid's start time must
     * still be the one seen when it was listed ({@link ProcessHandle#equals} compares it). Without JNA or pidfds only
     * SIGKILL is possible, through {@link ProcessHandle#destroyForcibly}, which checks the start time too but then calls
     * kill(2) by pid: a reuse in the microseconds between remains possible there.
     */
    private static boolean signal(ProcessHandle h, int signal) {
        if (DegradedBackend.OS.canSignal()) {
            return DegradedBackend.OS.signalIf(h.pid(), pid -> ProcessHandle.of(pid).filter(h::equals).filter(DegradedJob::running).isPresent(), signal);
        }
        return signal == SIGKILL && h.destroyForcibly();
    }

    @Override
    public BackendJob createChild(JobSpec spec, Consumer<JobEvent> childEvents) {
        return new DegradedJob(spec, childEvents, this);
    }

    /** Where the job's process events come from (MBean attribute EventSource, status): a sweep, nothing from a kernel. */
    @Override
    public String eventSource() {
        return "/proc every " + SWEEP_MILLIS + " ms";
    }

    @Override
    public String location() {
        return "no kernel job: processes tracked with ProcessHandle (degraded)";
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (killOnClose) {
            terminate(137);
        }
        closed = true;
        pump.interrupt();
        if (Thread.currentThread() != pump) {
            try {
                pump.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The tracked processes still alive plus all their descendants (a fresh walk). */
    private List<ProcessHandle> live() {
        Map<Long, ProcessHandle> out = new LinkedHashMap<>();
        for (ProcessHandle h : tracked.values()) {
            if (!running(h) || out.containsKey(h.pid())) {
                continue;
            }
            out.put(h.pid(), h);
            h.descendants().filter(DegradedJob::running).forEach(d -> out.putIfAbsent(d.pid(), d));
        }
        return new ArrayList<>(out.values());
    }

    /**
     * Alive and not a zombie: a killed process whose parent died first waits, dead, for init to reap it,
     * and {@link ProcessHandle#isAlive()} still says true until then.
     */
    static boolean running(ProcessHandle h) {
        return h.isAlive() && !DegradedBackend.OS.ended(h.pid());
    }

    private static Set<Long> spared() {
        Set<Long> s = new HashSet<>();
        for (ProcessHandle h = ProcessHandle.current(); h != null; h = h.parent().orElse(null)) {
            s.add(h.pid());
        }
        return s;
    }

    private void pump() {
        long nextSweep = 0;
        while (!closed) {
            try {
                Runnable r = inbox.poll(SWEEP_MILLIS, TimeUnit.MILLISECONDS);
                while (r != null) {
                    r.run();
                    r = inbox.poll();
                }
                if (System.nanoTime() >= nextSweep) {
                    sweep();
                    nextSweep = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SWEEP_MILLIS);
                }
                failures.succeeded();
            } catch (InterruptedException e) {
                return;
            } catch (Throwable e) {
                // Any Throwable (an OutOfMemoryError, a listener's StackOverflowError): reported, and the pump goes on.
                failures.failed(e);
                try {
                    Thread.sleep(SWEEP_MILLIS);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** On the pump thread: picks up new descendants, reports exits of processes not started here, and an empty job. */
    private void sweep() {
        for (ProcessHandle h : live()) {
            track(h);
        }
        for (ProcessHandle h : List.copyOf(tracked.values())) {
            if (!running(h) && !own.containsKey(h.pid())) {
                tracked.remove(h.pid(), h);
                emit(new JobEvent.ProcessExited(Instant.now(), h.pid(), null));
            }
        }
        // Messages queued by track() above run first, so NewProcess always precedes the empty-job event.
        Runnable r;
        while ((r = inbox.poll()) != null) {
            r.run();
        }
        if (populated && tracked.isEmpty()) {
            populated = false;
            emit(new JobEvent.ActiveProcessZero(Instant.now()));
        }
    }

    /** On the pump thread, for a process this job started. The JDK reports death by signal N as 128+N. */
    private void exited(Process p) {
        own.remove(p.pid());
        tracked.remove(p.pid());
        int code = p.exitValue();
        if (code > 128 && code <= 128 + 64) {
            emit(new JobEvent.AbnormalExit(Instant.now(), p.pid(), code, code - 128));
        } else {
            emit(new JobEvent.ProcessExited(Instant.now(), p.pid(), code));
        }
        if (populated && tracked.isEmpty()) {
            populated = false;
            emit(new JobEvent.ActiveProcessZero(Instant.now()));
        }
    }

    private void emit(JobEvent e) {
        try {
            events.accept(e);
        } catch (RuntimeException ex) {
            System.getLogger("jobgov.degraded").log(System.Logger.Level.WARNING, "job " + name + ": event listener failed", ex);
        }
    }
}
