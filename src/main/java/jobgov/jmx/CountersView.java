package jobgov.jmx;

/**
 * The {@code Counters} attribute: MXBean mapping turns it into CompositeData whose items are these getters'
 * names ({@code totalUserTimeMillis}, ...); -1 marks a counter this platform cannot read.
 */
public interface CountersView {
    long getTotalUserTimeMillis();

    long getTotalKernelTimeMillis();

    long getTotalPageFaults();

    long getTotalProcesses();

    long getActiveProcesses();

    long getTotalTerminatedProcesses();

    long getReadOperations();

    long getWriteOperations();

    long getOtherOperations();

    long getReadBytes();

    long getWriteBytes();

    long getOtherBytes();

    long getJobMemoryUsedBytes();

    long getPeakJobMemoryUsedBytes();

    long getPeakProcessMemoryUsedBytes();
}
