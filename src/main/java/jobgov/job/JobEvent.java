package jobgov.job;

import java.time.Duration;
import java.time.Instant;

/**
 * What a job reports: one record per Win32 JOB_OBJECT_MSG_* kind. Every event carries the time it was
 * observed and, where the message is about one process, its pid ({@code 0} when the platform cannot
 * say which process). {@link #type()} is the JMX notification type.
 */
public sealed interface JobEvent {
    Instant time();

    /** The process the message is about, or 0. */
    long pid();

    /** The JMX notification type, e.g. {@code jobgov.process.exit}. */
    String type();

    /** JOB_OBJECT_MSG_NEW_PROCESS. */
    record NewProcess(Instant time, long pid) implements JobEvent {
        public String type() { return "jobgov.process.new"; }
    }

    /** JOB_OBJECT_MSG_EXIT_PROCESS: a process exited normally; {@code exitCode} is null when the platform did not report it. */
    record ProcessExited(Instant time, long pid, Integer exitCode) implements JobEvent {
        public String type() { return "jobgov.process.exit"; }
    }

    /** JOB_OBJECT_MSG_ABNORMAL_EXIT_PROCESS: on Linux, killed by a signal; on Windows, an exception code. */
    record AbnormalExit(Instant time, long pid, Integer exitCode, Integer signal) implements JobEvent {
        public String type() { return "jobgov.process.abnormal-exit"; }
    }

    /** JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO: the job has no process left. */
    record ActiveProcessZero(Instant time) implements JobEvent {
        public long pid() { return 0; }
        public String type() { return "jobgov.job.empty"; }
    }

    /** JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT: a process could not start because of the process limit. */
    record ActiveProcessLimit(Instant time, long pid, int limit, long count) implements JobEvent {
        public String type() { return "jobgov.limit.active-process"; }
    }

    /** JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT: a process hit the per-process memory limit. */
    record ProcessMemoryLimit(Instant time, long pid, long limitBytes) implements JobEvent {
        public String type() { return "jobgov.limit.process-memory"; }
    }

    /** JOB_OBJECT_MSG_JOB_MEMORY_LIMIT: the job hit its memory limit (on Linux: the OOM killer ran; {@code oomKills} is the kernel's count so far). */
    record JobMemoryLimit(Instant time, long pid, long limitBytes, long usageBytes, long oomKills) implements JobEvent {
        public String type() { return "jobgov.limit.job-memory"; }
    }

    /** JOB_OBJECT_MSG_END_OF_PROCESS_TIME: a process used up its user time and was ended. */
    record EndOfProcessTime(Instant time, long pid, Duration limit) implements JobEvent {
        public String type() { return "jobgov.limit.process-time"; }
    }

    /** JOB_OBJECT_MSG_END_OF_JOB_TIME: the job used up its user time. */
    record EndOfJobTime(Instant time, Duration limit, Duration used) implements JobEvent {
        public long pid() { return 0; }
        public String type() { return "jobgov.limit.job-time"; }
    }

    /** JOB_OBJECT_MSG_NOTIFICATION_LIMIT: a notification limit was crossed; the job keeps running. */
    record NotificationLimit(Instant time, Limit limit, long limitValue, long reportedValue) implements JobEvent {
        public long pid() { return 0; }
        public String type() { return "jobgov.limit.notification"; }
    }

    /**
     * A live process left the job's cgroups (a root member wrote itself into another cgroup): it is no longer
     * governed, and is not an exit. {@code cgroup} is where it went, as /proc/PID/cgroup says (in the hierarchy the job
     * tracks), or empty when unknown.
     */
    record ProcessEscaped(Instant time, long pid, String cgroup) implements JobEvent {
        public String type() { return "jobgov.process.escape"; }
    }

    /**
     * The kill-on-close watchdog ({@code pid}) died while this JVM lives (a member killed it, say); a new one was
     * started ({@code replacementPid}), or none could be ({@code 0}: kill-on-close is then not armed).
     */
    record WatchdogRestarted(Instant time, long pid, long replacementPid) implements JobEvent {
        public String type() { return "jobgov.watchdog.restart"; }
    }

    /**
     * The kill-on-close watchdog was killed {@code restarts} times within a minute while this JVM lives (a member of
     * the job kills each new one): jobgov stopped replacing it, so that a loop of kills cannot make a loop of forks.
     * Kill-on-close is no longer armed; the job's processes are still killed when the JVM closes the job itself.
     */
    record WatchdogGaveUp(Instant time, long pid, int restarts) implements JobEvent {
        public String type() { return "jobgov.watchdog.gave-up"; }
    }

    /**
     * The job's event thread ({@code thread}) failed to wait for or check the kernel's events: {@code error} says
     * why. The thread survived it and goes on (it re-reads every file after a tick); {@code failures} counts every
     * failure since the job was created. Sent for the first failure after a good check and then every 100th.
     */
    record EventThreadFailed(Instant time, String thread, String error, long failures) implements JobEvent {
        public long pid() { return 0; }
        public String type() { return "jobgov.events.failure"; }
    }
}
