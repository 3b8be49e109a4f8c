package jobgov.jmx;

/**
 * The management interface of one job, {@code jobgov:type=Job,name=NAME}. Open types only, so JConsole,
 * VisualVM, jmxterm and Jolokia need no jobgov classes. Counters the backend cannot read are -1; a limit
 * of 0 (or an empty affinity) means no limit. The attribute and operation names are a contract.
 */
public interface JobMXBean {
    String getName();

    String getBackend();

    String getLocation();

    /** Where the job's process and limit events come from: kernel notifications, or a polling tick with its period. */
    String getEventSource();

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

    /** False once the kill-on-close watchdog died and was not replaced (see WatchdogGaveUp); true otherwise. */
    boolean isKillOnCloseArmed();

    /** Failed waits or checks of the job's event thread, which survived them (as of its last report). */
    long getEventFailures();

    /** The last failure of the event thread: time, thread and error; empty if none. */
    String getLastEventFailure();

    /** Times the kill-on-close watchdog died while the JVM lives and was replaced (or could not be). */
    long getWatchdogRestarts();


    String getLimitSpec();

    /** CompositeData for JMX clients. */
    LimitsView getLimits();

    /** CompositeData for JMX clients. */
    CountersView getCounters();

    void terminate(int exitCode);

    /**
     * Exposed to JMX clients as the operation {@code setLimits(String spec)}: a Java method of that name would
     * make MXBean introspection read it as the setter of the {@code Limits} attribute.
     */
    void changeLimits(String spec);

    long[] pids();
}
