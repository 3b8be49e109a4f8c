package jobgov.job;

import java.util.List;
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

    JobCounters counters();

    /** Kills every process of the job, double-forked ones included. Returns when the job is empty or the platform has done all it can. */
    void terminate(int exitCode);

    /** A nested job (child cgroup / nested Win32 job) whose processes also count against this one. */
    BackendJob createChild(JobSpec spec, Consumer<JobEvent> events);

    /** A description of where the job lives (cgroup paths, job object name), for status output. */
    String location();

    /** Stops the event thread, kills the processes if kill-on-close, removes every cgroup the job made. */
    @Override
    void close();
}
