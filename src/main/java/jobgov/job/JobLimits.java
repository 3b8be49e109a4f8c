package jobgov.job;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The limits of a job: immutable, every field optional ({@code null} = no limit). The fields cover the
 * Win32 basic, extended, UI, CPU-rate, net-rate, IO-rate and notification-limit classes; which of them a
 * platform enforces is up to its backend ({@link JobBackend#capabilities()}).
 *
 * <p>Build with {@link #builder()}, change with {@link #toBuilder()}, write in text with {@link LimitSpec}; every
 * field's key, words, syntax and JMX item are its row in {@link LimitCatalog}.
 */
public record JobLimits(
        Long jobMemoryBytes,
        Long processMemoryBytes,
        Long minWorkingSetBytes,
        Long maxWorkingSetBytes,
        Integer activeProcesses,
        Double cpuRatePercent,
        Integer cpuWeight,
        Double cpuMinPercent,
        Double cpuMaxPercent,
        CpuSet affinity,
        PriorityClass priorityClass,
        Integer schedulingClass,
        Duration processTime,
        Duration jobTime,
        JobTimeAction jobTimeAction,
        Boolean killOnClose,
        Boolean dieOnUnhandledException,
        Boolean breakawayOk,
        Boolean silentBreakawayOk,
        Set<UiRestriction> uiRestrictions,
        Long ioBandwidthBytesPerSec,
        Long ioIops,
        String ioDevice,
        Long netBandwidthBytesPerSec,
        Integer netDscp,
        Long memoryNotifyBytes,
        Duration jobTimeNotify,
        Long ioReadNotifyBytes,
        Long ioWriteNotifyBytes) {

    public static final JobLimits NONE = builder().build();

    public JobLimits {
        positive("memory", jobMemoryBytes);
        positive("process-memory", processMemoryBytes);
        positive("min-working-set", minWorkingSetBytes);
        positive("max-working-set", maxWorkingSetBytes);
        if ((minWorkingSetBytes == null) != (maxWorkingSetBytes == null)) {
            throw new IllegalArgumentException("min-working-set and max-working-set go together: give both or neither");
        }
        if (minWorkingSetBytes != null && minWorkingSetBytes > maxWorkingSetBytes) {
            throw new IllegalArgumentException("min-working-set " + minWorkingSetBytes + " is above max-working-set " + maxWorkingSetBytes);
        }
        if (activeProcesses != null && activeProcesses < 1) {
            throw new IllegalArgumentException("processes must be at least 1, got " + activeProcesses);
        }
        percent("cpu", cpuRatePercent);
        percent("cpu-min", cpuMinPercent);
        percent("cpu-max", cpuMaxPercent);
        if (cpuMinPercent != null && cpuMaxPercent != null && cpuMinPercent > cpuMaxPercent) {
            throw new IllegalArgumentException("cpu-min " + cpuMinPercent + "% is above cpu-max " + cpuMaxPercent + "%");
        }
        if (cpuRatePercent != null && (cpuWeight != null || cpuMinPercent != null || cpuMaxPercent != null)) {
            // Win32 CPU rate control is one mode at a time; keep the model honest on every platform.
            throw new IllegalArgumentException("cpu (hard cap) cannot be combined with cpu-weight or cpu-min/cpu-max: choose one CPU rate mode");
        }
        if (cpuWeight != null && (cpuMinPercent != null || cpuMaxPercent != null)) {
            throw new IllegalArgumentException("cpu-weight cannot be combined with cpu-min/cpu-max: choose one CPU rate mode");
        }
        range("cpu-weight", cpuWeight, 1, 9);
        range("scheduling-class", schedulingClass, 0, 9);
        range("net-dscp", netDscp, 0, 63);
        positive("process-time", processTime);
        positive("job-time", jobTime);
        positive("job-time-notify", jobTimeNotify);
        if (jobTimeAction != null && jobTime == null) {
            throw new IllegalArgumentException("job-time-action needs job-time");
        }
        positive("io-bandwidth", ioBandwidthBytesPerSec);
        positive("io-iops", ioIops);
        positive("net-bandwidth", netBandwidthBytesPerSec);
        positive("memory-notify", memoryNotifyBytes);
        positive("io-read-notify", ioReadNotifyBytes);
        positive("io-write-notify", ioWriteNotifyBytes);
        if (ioDevice != null && ioDevice.isBlank()) {
            throw new IllegalArgumentException("io-device must not be empty");
        }
        if (uiRestrictions != null) {
            uiRestrictions = uiRestrictions.isEmpty() ? null
                    : Collections.unmodifiableSet(EnumSet.copyOf(uiRestrictions));
        }
    }

    private static void positive(String key, Long v) {
        if (v != null && v <= 0) {
            throw new IllegalArgumentException(key + " must be positive, got " + v);
        }
    }

    private static void positive(String key, Duration v) {
        if (v != null && (v.isNegative() || v.isZero())) {
            throw new IllegalArgumentException(key + " must be positive, got " + v);
        }
    }

    private static void percent(String key, Double v) {
        if (v != null && (!(v > 0) || v > 100)) {
            throw new IllegalArgumentException(key + " must be above 0% and at most 100%, got " + v + "%");
        }
    }

    private static void range(String key, Integer v, int min, int max) {
        if (v != null && (v < min || v > max)) {
            throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", got " + v);
        }
    }

    /** The kinds of limit this value sets, to check against a backend's capabilities (a switch only when on). */
    public Set<Limit> requested() {
        EnumSet<Limit> s = EnumSet.noneOf(Limit.class);
        for (LimitCatalog.Row r : LimitCatalog.ROWS) {
            if (r.requests(this)) {
                s.add(r.limit());
            }
        }
        return s;
    }

    /** Kill-on-close is on unless explicitly turned off. */
    public boolean killsOnClose() {
        return !Boolean.FALSE.equals(killOnClose);
    }

    @Override
    public String toString() {
        return LimitSpec.format(this);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.jobMemoryBytes = jobMemoryBytes;
        b.processMemoryBytes = processMemoryBytes;
        b.minWorkingSetBytes = minWorkingSetBytes;
        b.maxWorkingSetBytes = maxWorkingSetBytes;
        b.activeProcesses = activeProcesses;
        b.cpuRatePercent = cpuRatePercent;
        b.cpuWeight = cpuWeight;
        b.cpuMinPercent = cpuMinPercent;
        b.cpuMaxPercent = cpuMaxPercent;
        b.affinity = affinity;
        b.priorityClass = priorityClass;
        b.schedulingClass = schedulingClass;
        b.processTime = processTime;
        b.jobTime = jobTime;
        b.jobTimeAction = jobTimeAction;
        b.killOnClose = killOnClose;
        b.dieOnUnhandledException = dieOnUnhandledException;
        b.breakawayOk = breakawayOk;
        b.silentBreakawayOk = silentBreakawayOk;
        b.uiRestrictions = uiRestrictions;
        b.ioBandwidthBytesPerSec = ioBandwidthBytesPerSec;
        b.ioIops = ioIops;
        b.ioDevice = ioDevice;
        b.netBandwidthBytesPerSec = netBandwidthBytesPerSec;
        b.netDscp = netDscp;
        b.memoryNotifyBytes = memoryNotifyBytes;
        b.jobTimeNotify = jobTimeNotify;
        b.ioReadNotifyBytes = ioReadNotifyBytes;
        b.ioWriteNotifyBytes = ioWriteNotifyBytes;
        return b;
    }

    /** Mutable builder; every setter takes {@code null} to clear that limit. */
    public static final class Builder {
        private Long jobMemoryBytes;
        private Long processMemoryBytes;
        private Long minWorkingSetBytes;
        private Long maxWorkingSetBytes;
        private Integer activeProcesses;
        private Double cpuRatePercent;
        private Integer cpuWeight;
        private Double cpuMinPercent;
        private Double cpuMaxPercent;
        private CpuSet affinity;
        private PriorityClass priorityClass;
        private Integer schedulingClass;
        private Duration processTime;
        private Duration jobTime;
        private JobTimeAction jobTimeAction;
        private Boolean killOnClose;
        private Boolean dieOnUnhandledException;
        private Boolean breakawayOk;
        private Boolean silentBreakawayOk;
        private Set<UiRestriction> uiRestrictions;
        private Long ioBandwidthBytesPerSec;
        private Long ioIops;
        private String ioDevice;
        private Long netBandwidthBytesPerSec;
        private Integer netDscp;
        private Long memoryNotifyBytes;
        private Duration jobTimeNotify;
        private Long ioReadNotifyBytes;
        private Long ioWriteNotifyBytes;

        private Builder() {
        }

        public Builder jobMemoryBytes(Long v) { jobMemoryBytes = v; return this; }
        public Builder processMemoryBytes(Long v) { processMemoryBytes = v; return this; }
        public Builder workingSetBytes(Long min, Long max) { minWorkingSetBytes = min; maxWorkingSetBytes = max; return this; }
        /** One end of the working set; {@link #build} checks that both or neither are set. */
        public Builder minWorkingSetBytes(Long v) { minWorkingSetBytes = v; return this; }
        public Builder maxWorkingSetBytes(Long v) { maxWorkingSetBytes = v; return this; }
        public Builder activeProcesses(Integer v) { activeProcesses = v; return this; }
        /** Hard cap; clears the other CPU rate modes (one mode at a time, as on Windows). */
        public Builder cpuRatePercent(Double v) { cpuRatePercent = v; if (v != null) { cpuWeight = null; cpuMinPercent = null; cpuMaxPercent = null; } return this; }
        public Builder cpuWeight(Integer v) { cpuWeight = v; if (v != null) { cpuRatePercent = null; cpuMinPercent = null; cpuMaxPercent = null; } return this; }
        public Builder cpuMinMaxPercent(Double min, Double max) { cpuMinPercent = min; cpuMaxPercent = max; if (min != null || max != null) { cpuRatePercent = null; cpuWeight = null; } return this; }
        /** One end of the min/max rate mode, the other end kept; a value clears the other CPU rate modes. */
        public Builder cpuMinPercent(Double v) { return cpuMinMaxPercent(v, cpuMaxPercent); }
        public Builder cpuMaxPercent(Double v) { return cpuMinMaxPercent(cpuMinPercent, v); }
        public Builder affinity(CpuSet v) { affinity = v; return this; }
        public Builder priorityClass(PriorityClass v) { priorityClass = v; return this; }
        public Builder schedulingClass(Integer v) { schedulingClass = v; return this; }
        public Builder processTime(Duration v) { processTime = v; return this; }
        public Builder jobTime(Duration v) { jobTime = v; if (v == null) { jobTimeAction = null; } return this; }
        public Builder jobTimeAction(JobTimeAction v) { jobTimeAction = v; return this; }
        public Builder killOnClose(Boolean v) { killOnClose = v; return this; }
        public Builder dieOnUnhandledException(Boolean v) { dieOnUnhandledException = v; return this; }
        public Builder breakawayOk(Boolean v) { breakawayOk = v; return this; }
        public Builder silentBreakawayOk(Boolean v) { silentBreakawayOk = v; return this; }
        public Builder uiRestrictions(Set<UiRestriction> v) { uiRestrictions = v; return this; }
        public Builder ioBandwidthBytesPerSec(Long v) { ioBandwidthBytesPerSec = v; return this; }
        public Builder ioIops(Long v) { ioIops = v; return this; }
        public Builder ioDevice(String v) { ioDevice = v; return this; }
        public Builder netBandwidthBytesPerSec(Long v) { netBandwidthBytesPerSec = v; return this; }
        public Builder netDscp(Integer v) { netDscp = v; return this; }
        public Builder memoryNotifyBytes(Long v) { memoryNotifyBytes = v; return this; }
        public Builder jobTimeNotify(Duration v) { jobTimeNotify = v; return this; }
        public Builder ioReadNotifyBytes(Long v) { ioReadNotifyBytes = v; return this; }
        public Builder ioWriteNotifyBytes(Long v) { ioWriteNotifyBytes = v; return this; }

        /** Validates the whole value; throws {@link IllegalArgumentException} naming the offending limit. */
        public JobLimits build() {
            return new JobLimits(jobMemoryBytes, processMemoryBytes, minWorkingSetBytes, maxWorkingSetBytes,
                    activeProcesses, cpuRatePercent, cpuWeight, cpuMinPercent, cpuMaxPercent, affinity,
                    priorityClass, schedulingClass, processTime, jobTime, jobTimeAction, killOnClose,
                    dieOnUnhandledException, breakawayOk, silentBreakawayOk, uiRestrictions,
                    ioBandwidthBytesPerSec, ioIops, ioDevice, netBandwidthBytesPerSec, netDscp,
                    memoryNotifyBytes, jobTimeNotify, ioReadNotifyBytes, ioWriteNotifyBytes);
        }
    }
}
