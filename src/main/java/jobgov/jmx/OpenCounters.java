package jobgov.jmx;

import jobgov.job.JobCounters;

/** {@link JobCounters} as the {@link CountersView} the MXBean publishes. */
final class OpenCounters {
    private OpenCounters() {
    }

    static CountersView of(JobCounters c) {
        return new CountersView() {
            @Override public long getTotalUserTimeMillis() { return c.totalUserTimeMillis(); }
            @Override public long getTotalKernelTimeMillis() { return c.totalKernelTimeMillis(); }
            @Override public long getTotalPageFaults() { return c.totalPageFaults(); }
            @Override public long getTotalProcesses() { return c.totalProcesses(); }
            @Override public long getActiveProcesses() { return c.activeProcesses(); }
            @Override public long getTotalTerminatedProcesses() { return c.totalTerminatedProcesses(); }
            @Override public long getReadOperations() { return c.readOperations(); }
            @Override public long getWriteOperations() { return c.writeOperations(); }
            @Override public long getOtherOperations() { return c.otherOperations(); }
            @Override public long getReadBytes() { return c.readBytes(); }
            @Override public long getWriteBytes() { return c.writeBytes(); }
            @Override public long getOtherBytes() { return c.otherBytes(); }
            @Override public long getJobMemoryUsedBytes() { return c.jobMemoryUsedBytes(); }
            @Override public long getPeakJobMemoryUsedBytes() { return c.peakJobMemoryUsedBytes(); }
            @Override public long getPeakProcessMemoryUsedBytes() { return c.peakProcessMemoryUsedBytes(); }
        };
    }
}
