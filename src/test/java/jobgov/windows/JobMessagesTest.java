package jobgov.windows;

import static jobgov.windows.JobConstants.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import jobgov.job.JobCounters;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.job.Limit;
import jobgov.job.LimitSpec;
import jobgov.windows.JobInformation.JOBOBJECT_LIMIT_VIOLATION_INFORMATION;
import org.junit.jupiter.api.Test;

/** Every JOB_OBJECT_MSG_* to its JobEvent record, with the facts a job would report. */
class JobMessagesTest {
    static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    record Facts(JobLimits limits, Integer code, long active, Duration user, JOBOBJECT_LIMIT_VIOLATION_INFORMATION violation)
            implements JobMessages.JobFacts {
        public Integer exitCode(long pid) {
            return code;
        }

        public long activeProcesses() {
            return active;
        }

        public Duration userTime() {
            return user;
        }
    }

    static final JobLimits LIMITS = LimitSpec.apply("memory=256m,process-memory=64m,processes=4,process-time=2s,job-time=1m", JobLimits.NONE);

    static List<JobEvent> decode(int msg, long pid, JOBOBJECT_LIMIT_VIOLATION_INFORMATION v) {
        return JobMessages.decode(msg, pid, T, new Facts(LIMITS, 3, 4, Duration.ofSeconds(61), v));
    }

    @Test
    void processMessagesCarryPidAndExitCode() {
        assertEquals(List.of(new JobEvent.NewProcess(T, 17)), decode(JOB_OBJECT_MSG_NEW_PROCESS, 17, null));
        assertEquals(List.of(new JobEvent.ProcessExited(T, 17, 3)), decode(JOB_OBJECT_MSG_EXIT_PROCESS, 17, null));
        assertEquals(List.of(new JobEvent.AbnormalExit(T, 17, 3, null)), decode(JOB_OBJECT_MSG_ABNORMAL_EXIT_PROCESS, 17, null));
        assertEquals(List.of(new JobEvent.ActiveProcessZero(T)), decode(JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO, 0, null));
    }

    @Test
    void limitMessagesCarryTheLimitInForce() {
        assertEquals(List.of(new JobEvent.ActiveProcessLimit(T, 0, 4, 4)), decode(JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT, 0, null));
        assertEquals(List.of(new JobEvent.ProcessMemoryLimit(T, 9, 64L << 20)), decode(JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT, 9, null));
        assertEquals(List.of(new JobEvent.EndOfProcessTime(T, 9, Duration.ofSeconds(2))), decode(JOB_OBJECT_MSG_END_OF_PROCESS_TIME, 9, null));
        assertEquals(List.of(new JobEvent.EndOfJobTime(T, Duration.ofMinutes(1), Duration.ofSeconds(61))),
                decode(JOB_OBJECT_MSG_END_OF_JOB_TIME, 0, null));
        assertEquals(List.of(new JobEvent.JobMemoryLimit(T, 9, 256L << 20, JobCounters.UNKNOWN, JobCounters.UNKNOWN)),
                decode(JOB_OBJECT_MSG_JOB_MEMORY_LIMIT, 9, null), "usage unknown when the violation query fails");
        var v = new JOBOBJECT_LIMIT_VIOLATION_INFORMATION();
        v.JobMemory = 300L << 20;
        assertEquals(List.of(new JobEvent.JobMemoryLimit(T, 9, 256L << 20, 300L << 20, JobCounters.UNKNOWN)),
                decode(JOB_OBJECT_MSG_JOB_MEMORY_LIMIT, 9, v));
    }

    @Test
    void aNotificationLimitMessageBecomesOneEventPerViolatedLimit() {
        var v = new JOBOBJECT_LIMIT_VIOLATION_INFORMATION();
        v.ViolationLimitFlags = JOB_OBJECT_LIMIT_JOB_MEMORY | JOB_OBJECT_LIMIT_JOB_TIME | JOB_OBJECT_LIMIT_JOB_READ_BYTES
                | JOB_OBJECT_LIMIT_JOB_WRITE_BYTES | JOB_OBJECT_LIMIT_RATE_CONTROL;
        v.JobMemoryLimit = 100;
        v.JobMemory = 150;
        v.PerJobUserTimeLimit = 10_000_000; // 1 s
        v.PerJobUserTime = 25_000_000;
        v.IoReadBytesLimit = 10;
        v.IoReadBytes = 11;
        v.IoWriteBytesLimit = 20;
        v.IoWriteBytes = 21;
        v.RateControlToleranceLimit = ToleranceMedium;
        v.RateControlTolerance = ToleranceHigh;
        assertEquals(List.of(
                new JobEvent.NotificationLimit(T, Limit.MEMORY_NOTIFICATION, 100, 150),
                new JobEvent.NotificationLimit(T, Limit.JOB_TIME_NOTIFICATION, 1000, 2500),
                new JobEvent.NotificationLimit(T, Limit.IO_NOTIFICATION, 10, 11),
                new JobEvent.NotificationLimit(T, Limit.IO_NOTIFICATION, 20, 21),
                new JobEvent.NotificationLimit(T, Limit.CPU_RATE, ToleranceMedium, ToleranceHigh)),
                decode(JOB_OBJECT_MSG_NOTIFICATION_LIMIT, 0, v));
    }

    @Test
    void messagesWithoutAModelRecordGiveNoEvent() {
        assertTrue(decode(JOB_OBJECT_MSG_JOB_CYCLE_TIME_LIMIT, 0, null).isEmpty());
        assertTrue(decode(JOB_OBJECT_MSG_SILO_TERMINATED, 0, null).isEmpty());
        assertTrue(decode(5, 0, null).isEmpty(), "5 is unassigned");
    }
}
