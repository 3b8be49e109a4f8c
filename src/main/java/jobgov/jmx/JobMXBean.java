package jobgov.jmx;

import javax.management.openmbean.CompositeData;

/**
 * The management interface of one job, {@code jobgov:type=Job,name=NAME}. Open types only, so JConsole,
 * VisualVM, jmxterm and Jolokia need no jobgov classes. Counters the backend cannot read are -1; a limit
 * of 0 (or an empty affinity) means no limit. The attribute and operation names are a contract.
 */
public interface JobMXBean {
    String getName();

    String getBackend();

    String getLocation();

    long[] getProcessIds();

    long getActiveProcesses();

    long getTotalProcesses();

    long getTotalTerminatedProcesses();

    long getTotalUserTimeMillis();

    long getTotalKernelTimeMillis();

    long getTotalPageFaults();

    long getJobMemoryUsedBytes();

    long getPeakJobMemoryUsedBytes();

    long getPeakProcessMemoryUsedBytes();

    long getReadOperations();

    long getWriteOperations();

    long getOtherOperations();

    long getReadBytes();

    long getWriteBytes();

    long getOtherBytes();

    long getJobMemoryLimitBytes();

    void setJobMemoryLimitBytes(long bytes);

    long getProcessMemoryLimitBytes();

    void setProcessMemoryLimitBytes(long bytes);

    int getActiveProcessLimit();

    void setActiveProcessLimit(int processes);

    double getCpuRateLimitPercent();

    void setCpuRateLimitPercent(double percent);

    int getCpuWeight();

    void setCpuWeight(int weight);

    String getAffinity();

    void setAffinity(String cpus);

    boolean isKillOnClose();

    String getLimitSpec();

    CompositeData getLimits();

    CompositeData getCounters();

    void terminate(int exitCode);

    void setLimits(String spec);

    long[] pids();
}
