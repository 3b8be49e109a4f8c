package jobgov.job;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** One job as a backend holds it (a cgroup set, a Win32 job handle). Used only through {@link Job}. */
public interface BackendJob extends AutoCloseable {
    /** Moves a running process (and, on Linux, only that process: its existing children stay where they are) into the job. */
    void assign(long pid);

    /** Starts a command already inside the job (no window in which it runs outside). */
    Process start(ProcessBuilder command);

    /** The pids in the job now. */
    List<Long> pids();

    /**
     * Applies {@code next} (already checked against the capabilities); on a failed write restores
     * {@code current} and throws.
     */
    void apply(JobLimits next, JobLimits current);

    /** Every counter at once; cheap on every backend (no per-process files on the read path). */
    JobCounters counters();

    /** One counter, reading only what it needs where the backend can (the default reads them all). */
    default long counter(JobCounter which) {
        return which.of(counters());
    }

    /** Kills every process of the job, double-forked ones included. Returns when the job is empty or the platform has done all it can. */
    void terminate(int exitCode);

    /**
     * Kills those of {@code pids} that are in the job (or a nested job) when the kill is sent, never this JVM and never
     * a process that received a listed pid after its member died: the check is made while a handle on the process is
     * held (a pidfd on Linux, a process handle and IsProcessInJob on Windows). Returns the pids killed.
     */
    Set<Long> kill(Collection<Long> pids);

    /** Suspends (SIGSTOP) those of {@code pids} that are in the job, checked as {@link #kill} does; see {@link #canStop}. */
    default Set<Long> stop(Collection<Long> pids) {
        return Set.of();
    }

    /** Whether {@link #stop} suspends anything on this backend. */
    default boolean canStop() {
        return false;
    }

    /** A nested job (child cgroup / nested Win32 job) whose processes also count against this one. */
    BackendJob createChild(JobSpec spec, Consumer<JobEvent> events);

    /** Where the job's events come from (kernel notifications, a polling tick...), for status output and the MBean. */
    default String eventSource() {
        return "backend";
    }

    /** A description of where the job lives (cgroup paths, job object name), for status output. */
    String location();

    /** Stops the event thread, kills the processes if kill-on-close, removes every cgroup the job made. */
    @Override
    void close();
}
