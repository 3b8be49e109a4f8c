package jobgov.job;

import java.util.function.ToLongFunction;

/**
 * One of a job's counters, by name: what a single JMX attribute or policy expression asks for. A backend reads only
 * the kernel file the counter needs ({@link BackendJob#counter}); {@link JobCounters} is all of them at once.
 */
public enum JobCounter {
    TOTAL_USER_TIME_MILLIS(JobCounters::totalUserTimeMillis),
    TOTAL_KERNEL_TIME_MILLIS(JobCounters::totalKernelTimeMillis),
    TOTAL_PAGE_FAULTS(JobCounters::totalPageFaults),
    TOTAL_PROCESSES(JobCounters::totalProcesses),
    ACTIVE_PROCESSES(JobCounters::activeProcesses),
    TOTAL_TERMINATED_PROCESSES(JobCounters::totalTerminatedProcesses),
    READ_OPERATIONS(JobCounters::readOperations),
    WRITE_OPERATIONS(JobCounters::writeOperations),
    OTHER_OPERATIONS(JobCounters::otherOperations),
    READ_BYTES(JobCounters::readBytes),
    WRITE_BYTES(JobCounters::writeBytes),
    OTHER_BYTES(JobCounters::otherBytes),
    JOB_MEMORY_USED_BYTES(JobCounters::jobMemoryUsedBytes),
    PEAK_JOB_MEMORY_USED_BYTES(JobCounters::peakJobMemoryUsedBytes),
    /**
     * The largest peak resident memory of any one process. No kernel file keeps it for a job on Linux: asked for
     * alone, it reads {@code /proc/PID/status} of every process of the job now (the one counter whose cost grows
     * with the job); in {@link JobCounters} it is the value last sampled off the read path.
     */
    PEAK_PROCESS_MEMORY_USED_BYTES(JobCounters::peakProcessMemoryUsedBytes);

    private final ToLongFunction<JobCounters> from;

    JobCounter(ToLongFunction<JobCounters> from) {
        this.from = from;
    }

    /** This counter's value in {@code all}. */
    public long of(JobCounters all) {
        return from.applyAsLong(all);
    }
}
