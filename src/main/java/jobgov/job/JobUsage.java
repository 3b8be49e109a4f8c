package jobgov.job;

import java.util.OptionalLong;

/**
 * What a job found on this machine uses now, as its backend reads it from the kernel without asking the JVM that
 * governs it ({@link JobBackend#usage}, for {@code jobgov top}): CPU time, memory and its limit, tasks and their
 * limit. A value the backend cannot read is empty; so is a limit that is not set.
 */
public record JobUsage(OptionalLong cpuNanos, OptionalLong memoryBytes, OptionalLong memoryLimitBytes, OptionalLong tasks,
        OptionalLong tasksLimit) {
    /** Nothing known. */
    public static final JobUsage NONE = new JobUsage(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
            OptionalLong.empty(), OptionalLong.empty());
}
