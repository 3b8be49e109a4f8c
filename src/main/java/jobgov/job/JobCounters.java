package jobgov.job;

/**
 * A job's accounting (JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION plus the extended-limit peaks),
 * read from the kernel's own files on Linux. {@link #UNKNOWN} (-1) marks a counter this backend
 * cannot read on this machine.
 */
public record JobCounters(
        long totalUserTimeMillis,
        long totalKernelTimeMillis,
        long totalPageFaults,
        long totalProcesses,
        long activeProcesses,
        long totalTerminatedProcesses,
        long readOperations,
        long writeOperations,
        long otherOperations,
        long readBytes,
        long writeBytes,
        long otherBytes,
        long jobMemoryUsedBytes,
        long peakJobMemoryUsedBytes,
        long peakProcessMemoryUsedBytes) {

    public static final long UNKNOWN = -1;
    public static final JobCounters NONE = new JobCounters(UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN,
            UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN);
}
