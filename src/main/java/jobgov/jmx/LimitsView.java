package jobgov.jmx;

/**
 * The {@code Limits} attribute: MXBean mapping turns it into CompositeData whose items are these getters'
 * names; 0 (or an empty string) = no limit. {@code spec} holds every set limit in the limit-spec syntax,
 * including the rarer ones without an item of their own.
 */
public interface LimitsView {
    long getJobMemoryLimitBytes();

    long getProcessMemoryLimitBytes();

    long getMinWorkingSetBytes();

    long getMaxWorkingSetBytes();

    int getActiveProcessLimit();

    double getCpuRateLimitPercent();

    int getCpuWeight();

    double getCpuMinPercent();

    double getCpuMaxPercent();

    String getAffinity();

    long getProcessTimeMillis();

    long getJobTimeMillis();

    long getIoBandwidthBytesPerSecond();

    long getIoIops();

    long getMemoryNotifyBytes();

    boolean isKillOnClose();

    String getSpec();
}
