package jobgov.jmx;

import java.time.Duration;
import jobgov.job.JobLimits;
import jobgov.job.LimitSpec;

/** {@link JobLimits} as the {@link LimitsView} the MXBean publishes (0 or "" where a limit is not set). */
final class OpenLimits {
    private OpenLimits() {
    }

    static LimitsView of(JobLimits l) {
        return new LimitsView() {
            @Override public long getJobMemoryLimitBytes() { return orZero(l.jobMemoryBytes()); }
            @Override public long getProcessMemoryLimitBytes() { return orZero(l.processMemoryBytes()); }
            @Override public long getMinWorkingSetBytes() { return orZero(l.minWorkingSetBytes()); }
            @Override public long getMaxWorkingSetBytes() { return orZero(l.maxWorkingSetBytes()); }
            @Override public int getActiveProcessLimit() { return l.activeProcesses() == null ? 0 : l.activeProcesses(); }
            @Override public double getCpuRateLimitPercent() { return orZero(l.cpuRatePercent()); }
            @Override public int getCpuWeight() { return l.cpuWeight() == null ? 0 : l.cpuWeight(); }
            @Override public double getCpuMinPercent() { return orZero(l.cpuMinPercent()); }
            @Override public double getCpuMaxPercent() { return orZero(l.cpuMaxPercent()); }
            @Override public String getAffinity() { return l.affinity() == null ? "" : l.affinity().toString(); }
            @Override public long getProcessTimeMillis() { return millis(l.processTime()); }
            @Override public long getJobTimeMillis() { return millis(l.jobTime()); }
            @Override public long getIoBandwidthBytesPerSecond() { return orZero(l.ioBandwidthBytesPerSec()); }
            @Override public long getIoIops() { return orZero(l.ioIops()); }
            @Override public long getMemoryNotifyBytes() { return orZero(l.memoryNotifyBytes()); }
            @Override public boolean isKillOnClose() { return l.killsOnClose(); }
            @Override public String getSpec() { return LimitSpec.format(l); }
        };
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }

    private static double orZero(Double v) {
        return v == null ? 0 : v;
    }

    private static long millis(Duration d) {
        return d == null ? 0 : d.toMillis();
    }
}
