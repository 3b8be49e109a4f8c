package jobgov.policy;

import java.time.Duration;
import java.util.Optional;
import jobgov.job.Job;
import jobgov.job.ProcessInfo;

/**
 * A process of a job as a policy sees it, read by the job's backend ({@link Job#process}): {@code pid},
 * {@code parentPid}, {@code commandLine} (arguments joined by spaces), {@code cpuTime} (user + system),
 * {@code age} (wall time since it started) and {@code residentBytes}.
 */
public record PolicyProcess(long pid, long parentPid, String commandLine, Duration cpuTime, Duration age, long residentBytes) {
    /** The process now, or empty when it is gone. */
    public static Optional<PolicyProcess> read(Job job, long pid) {
        return job.process(pid).map(PolicyProcess::of);
    }

    static PolicyProcess of(ProcessInfo p) {
        return new PolicyProcess(p.pid(), p.parentPid(), p.commandLine(), p.cpuTime(), p.age(), p.residentBytes());
    }

    /** The command line with arguments joined by spaces; empty for a kernel thread, a zombie, or a process that is gone. */
    public static String commandLine(Job job, long pid) {
        return job.process(pid).map(ProcessInfo::commandLine).orElse("");
    }

    /** The CPU time in milliseconds ({@code p.cpuMillis} in a policy). */
    public long getCpuMillis() {
        return cpuTime.toMillis();
    }
}
