package jobgov.windows;

import static jobgov.windows.JobConstants.*;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import jobgov.job.JobCounters;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.job.Limit;
import jobgov.windows.JobInformation.JOBOBJECT_LIMIT_VIOLATION_INFORMATION;

/**
 * Turns a completion-port message (JOB_OBJECT_MSG_*, and the pid the kernel passes in lpOverlapped) into
 * the model's {@link JobEvent}s, asking the job for what the message itself does not carry: the limit in
 * force, the exit code, the limit-violation record.
 *
 * <p>Windows guarantees delivery only for the limits set with JobObjectNotificationLimitInformation
 * (JOB_OBJECT_MSG_NOTIFICATION_LIMIT); every other message is best-effort: a missing message does not
 * mean the event did not happen, so consumers re-read counters instead of counting events.
 */
public final class JobMessages {
    private JobMessages() {
    }

    /** What decoding needs to know about the job, read when the message arrives. */
    public interface JobFacts {
        JobLimits limits();

        /** The exit code of an exited process, or null when it can no longer be read. */
        Integer exitCode(long pid);

        long activeProcesses();

        /** Total user time of the job so far. */
        Duration userTime();

        /** JobObjectLimitViolationInformation, or null when the query failed. */
        JOBOBJECT_LIMIT_VIOLATION_INFORMATION violation();

        /** The job's committed memory now (JobObjectMemoryUsageInformation), or UNKNOWN. */
        default long jobMemoryUsed() {
            JOBOBJECT_LIMIT_VIOLATION_INFORMATION v = violation();
            return v == null ? JobCounters.UNKNOWN : v.JobMemory;
        }
    }

    /** The events for one message; empty for messages the model has no record for (cycle-time limit, silo terminated). */
    public static List<JobEvent> decode(int message, long pid, Instant time, JobFacts job) {
        JobLimits l = job.limits();
        return switch (message) {
            case JOB_OBJECT_MSG_END_OF_JOB_TIME -> List.of(new JobEvent.EndOfJobTime(time, l.jobTime(), job.userTime()));
            case JOB_OBJECT_MSG_END_OF_PROCESS_TIME -> List.of(new JobEvent.EndOfProcessTime(time, pid, l.processTime()));
            // The kernel sends no pid with this message (lpOverlapped is not a process id): 0, as the Linux backends.
            case JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT -> List.of(new JobEvent.ActiveProcessLimit(time, 0,
                    l.activeProcesses() == null ? 0 : l.activeProcesses(), job.activeProcesses()));
            case JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO -> List.of(new JobEvent.ActiveProcessZero(time));
            case JOB_OBJECT_MSG_NEW_PROCESS -> List.of(new JobEvent.NewProcess(time, pid));
            case JOB_OBJECT_MSG_EXIT_PROCESS -> List.of(new JobEvent.ProcessExited(time, pid, job.exitCode(pid)));
            // On Windows an abnormal exit carries an exception code (e.g. 0xC0000005) as exit code; there are no signals.
            case JOB_OBJECT_MSG_ABNORMAL_EXIT_PROCESS -> List.of(new JobEvent.AbnormalExit(time, pid, job.exitCode(pid), null));
            case JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT -> List.of(new JobEvent.ProcessMemoryLimit(time, pid,
                    orUnknown(l.processMemoryBytes())));
            // Windows fails the allocation instead of killing: there is no OOM-kill count.
            case JOB_OBJECT_MSG_JOB_MEMORY_LIMIT -> List.of(new JobEvent.JobMemoryLimit(time, pid, orUnknown(l.jobMemoryBytes()),
                    job.jobMemoryUsed(), JobCounters.UNKNOWN));
            case JOB_OBJECT_MSG_NOTIFICATION_LIMIT -> notificationLimits(time, job.violation());
            default -> List.of();
        };
    }

    /** One NotificationLimit per violated notification limit (bytes, or milliseconds for the user time). */
    static List<JobEvent> notificationLimits(Instant time, JOBOBJECT_LIMIT_VIOLATION_INFORMATION v) {
        if (v == null) {
            return List.of();
        }
        List<JobEvent> out = new ArrayList<>();
        int f = v.ViolationLimitFlags;
        if ((f & JOB_OBJECT_LIMIT_JOB_MEMORY) != 0) {
            out.add(new JobEvent.NotificationLimit(time, Limit.MEMORY_NOTIFICATION, v.JobMemoryLimit, v.JobMemory));
        }
        if ((f & JOB_OBJECT_LIMIT_JOB_TIME) != 0) {
            out.add(new JobEvent.NotificationLimit(time, Limit.JOB_TIME_NOTIFICATION,
                    LimitEncoding.fromTicks(v.PerJobUserTimeLimit).toMillis(), LimitEncoding.fromTicks(v.PerJobUserTime).toMillis()));
        }
        if ((f & JOB_OBJECT_LIMIT_JOB_READ_BYTES) != 0) {
            out.add(new JobEvent.NotificationLimit(time, Limit.IO_NOTIFICATION, v.IoReadBytesLimit, v.IoReadBytes));
        }
        if ((f & JOB_OBJECT_LIMIT_JOB_WRITE_BYTES) != 0) {
            out.add(new JobEvent.NotificationLimit(time, Limit.IO_NOTIFICATION, v.IoWriteBytesLimit, v.IoWriteBytes));
        }
        if ((f & JOB_OBJECT_LIMIT_RATE_CONTROL) != 0) {
            out.add(new JobEvent.NotificationLimit(time, Limit.CPU_RATE, v.RateControlToleranceLimit, v.RateControlTolerance));
        }
        return out;
    }

    private static long orUnknown(Long v) {
        return v == null ? JobCounters.UNKNOWN : v;
    }
}
