package jobgov.job;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A job: a group of processes governed as one unit, with limits, counters, events and termination.
 * Platform-neutral; the work is done by a {@link JobBackend}. Thread-safe.
 */
public final class Job implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("jobgov.job");

    private final String name;
    private final JobBackend backend;
    private final BackendJob handle;
    private final CopyOnWriteArrayList<Consumer<JobEvent>> listeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Job> children = new CopyOnWriteArrayList<>();
    private volatile JobLimits limits;
    private volatile boolean closed;

    private Job(JobBackend backend, JobSpec spec, BackendJob parent) {
        check(backend, spec.limits());
        this.name = spec.name();
        this.backend = backend;
        this.handle = parent == null ? backend.create(spec, this::publish) : parent.createChild(spec, this::publish);
        this.limits = spec.limits();
    }

    /** Creates a job with {@code backend}; prefer {@link Jobs#create(JobSpec)}, which picks the backend. */
    public static Job create(JobBackend backend, JobSpec spec) {
        return new Job(backend, spec, null);
    }

    public String name() {
        return name;
    }

    /** The backend's name: windows, cgroup2, cgroup1 or degraded. */
    public String backend() {
        return backend.name();
    }

    /** The process {@code pid} as this job's backend reads it ({@link JobBackend#process}); empty when it is gone. */
    public java.util.Optional<ProcessInfo> process(long pid) {
        return backend.process(pid);
    }

    public Set<Limit> capabilities() {
        return backend.capabilities();
    }

    public String location() {
        return handle.location();
    }

    public void assign(long pid) {
        open();
        handle.assign(pid);
    }

    public Process start(ProcessBuilder command) {
        open();
        return handle.start(command);
    }

    public List<Long> pids() {
        return closed ? List.of() : handle.pids();
    }

    public JobLimits limits() {
        return limits;
    }

    /**
     * Replaces the limits all-or-nothing: every requested limit is checked against the backend first;
     * a failed kernel write restores the previous limits and throws.
     */
    public synchronized void setLimits(JobLimits next) {
        open();
        check(backend, next);
        handle.apply(next, limits);
        limits = next;
    }

    /** Changes the limits named in {@code spec} (e.g. {@code memory=256m,processes=32}), keeping the rest. */
    public synchronized void setLimits(String spec) {
        setLimits(LimitSpec.apply(spec, limits));
    }

    public JobCounters counters() {
        return closed ? JobCounters.NONE : handle.counters();
    }

    /** Where this job's events come from: the kernel notifications the backend uses, or a polling tick. */
    public String eventSource() {
        return handle.eventSource();
    }

    /** One counter: reads only what that counter needs ({@link JobCounters#UNKNOWN} once closed). */
    public long counter(JobCounter which) {
        return closed ? JobCounters.UNKNOWN : handle.counter(which);
    }

    /** Every event of this job, on the backend's event thread: listeners must hand work off quickly. */
    public AutoCloseable subscribe(Consumer<JobEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    public void terminate(int exitCode) {
        open();
        handle.terminate(exitCode);
    }

    /**
     * Kills those of {@code pids} still in this job (or a nested one) when the kill goes out, never this JVM and
     * never a stranger that got a listed pid meanwhile (see {@link BackendJob#kill}). Returns the pids killed.
     */
    public Set<Long> kill(java.util.Collection<Long> pids) {
        open();
        return handle.kill(pids);
    }

    /** Suspends (SIGSTOP) those of {@code pids} still in this job, checked as {@link #kill}; nothing where {@link #canStop()} is false. */
    public Set<Long> stop(java.util.Collection<Long> pids) {
        open();
        return handle.stop(pids);
    }

    public boolean canStop() {
        return handle.canStop();
    }

    /** A nested job: its processes are also in this job and count against its limits. */
    public Job createChild(JobSpec spec) {
        open();
        Job child = new Job(backend, spec, handle);
        children.add(child);
        return child;
    }

    public List<Job> children() {
        return List.copyOf(children);
    }

    public boolean isClosed() {
        return closed;
    }

    /** Closes the children first, then this job (killing its processes if kill-on-close). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Job child : children) {
            child.close();
        }
        handle.close();
        listeners.clear();
    }

    private void publish(JobEvent event) {
        for (Consumer<JobEvent> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                // A broken listener must never stop the event pump or the other listeners.
                LOG.log(System.Logger.Level.WARNING, "job " + name + ": event listener failed on " + event.type(), e);
            }
        }
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("job " + name + " is closed");
        }
    }

    private static void check(JobBackend backend, JobLimits limits) {
        for (Limit l : limits.requested()) {
            if (!backend.capabilities().contains(l)) {
                throw new LimitRefusedException(l, backend.name(), backend.refusalReason(l));
            }
        }
    }
}
