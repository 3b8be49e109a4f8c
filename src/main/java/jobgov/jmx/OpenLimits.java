package jobgov.jmx;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import jobgov.job.JobLimits;
import jobgov.job.LimitSpec;

/**
 * {@link JobLimits} as CompositeData with units in the item names; 0 (or an empty string) = no limit.
 * The {@code spec} item holds every set limit in the limit-spec syntax, including the rarer ones that
 * have no item of their own.
 */
final class OpenLimits {
    private static final List<String> NAMES = new ArrayList<>();
    private static final List<OpenType<?>> TYPES = new ArrayList<>();
    private static final List<String> DESCRIPTIONS = new ArrayList<>();
    static final CompositeType TYPE;

    static {
        item("jobMemoryLimitBytes", SimpleType.LONG, "job memory limit, bytes");
        item("processMemoryLimitBytes", SimpleType.LONG, "per-process memory limit, bytes");
        item("minWorkingSetBytes", SimpleType.LONG, "minimum working set, bytes");
        item("maxWorkingSetBytes", SimpleType.LONG, "maximum working set, bytes");
        item("activeProcessLimit", SimpleType.INTEGER, "active process limit");
        item("cpuRateLimitPercent", SimpleType.DOUBLE, "CPU hard cap, percent of the whole machine");
        item("cpuWeight", SimpleType.INTEGER, "CPU weight 1-9");
        item("cpuMinPercent", SimpleType.DOUBLE, "CPU minimum rate, percent");
        item("cpuMaxPercent", SimpleType.DOUBLE, "CPU maximum rate, percent");
        item("affinity", SimpleType.STRING, "CPU list, e.g. 0-1,3");
        item("processTimeMillis", SimpleType.LONG, "per-process user time limit, milliseconds");
        item("jobTimeMillis", SimpleType.LONG, "per-job user time limit, milliseconds");
        item("ioBandwidthBytesPerSecond", SimpleType.LONG, "IO bandwidth cap, bytes per second");
        item("ioIops", SimpleType.LONG, "IO operations per second cap");
        item("memoryNotifyBytes", SimpleType.LONG, "job memory notification limit, bytes");
        item("killOnClose", SimpleType.BOOLEAN, "kill every process when the job closes");
        item("spec", SimpleType.STRING, "every set limit in the limit-spec syntax");
        try {
            TYPE = new CompositeType("jobgov.JobLimits", "A job's limits; 0 or empty = no limit",
                    NAMES.toArray(String[]::new), DESCRIPTIONS.toArray(String[]::new), TYPES.toArray(OpenType<?>[]::new));
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private OpenLimits() {
    }

    private static void item(String name, OpenType<?> type, String description) {
        NAMES.add(name);
        TYPES.add(type);
        DESCRIPTIONS.add(description);
    }

    static CompositeData of(JobLimits l) {
        Object[] values = {
                orZero(l.jobMemoryBytes()), orZero(l.processMemoryBytes()), orZero(l.minWorkingSetBytes()),
                orZero(l.maxWorkingSetBytes()), l.activeProcesses() == null ? 0 : l.activeProcesses(),
                l.cpuRatePercent() == null ? 0.0 : l.cpuRatePercent(), l.cpuWeight() == null ? 0 : l.cpuWeight(),
                l.cpuMinPercent() == null ? 0.0 : l.cpuMinPercent(), l.cpuMaxPercent() == null ? 0.0 : l.cpuMaxPercent(),
                l.affinity() == null ? "" : l.affinity().toString(), millis(l.processTime()), millis(l.jobTime()),
                orZero(l.ioBandwidthBytesPerSec()), orZero(l.ioIops()), orZero(l.memoryNotifyBytes()),
                l.killsOnClose(), LimitSpec.format(l)};
        try {
            return new CompositeDataSupport(TYPE, NAMES.toArray(String[]::new), values);
        } catch (OpenDataException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }

    private static long millis(Duration d) {
        return d == null ? 0 : d.toMillis();
    }
}
