package jobgov.jmx;

import java.lang.reflect.Proxy;
import jobgov.job.JobLimits;
import jobgov.job.LimitCatalog;
import jobgov.job.LimitSpec;

/**
 * {@link JobLimits} as the {@link LimitsView} the MXBean publishes: each getter answers from the
 * {@link LimitCatalog} row whose JMX item it names (0, "" or false where a limit is not set), so the view
 * holds no list of limits of its own; {@code getSpec} is the whole value as limit-spec text.
 * {@code LimitCatalogViewsTest} holds the interface against the catalog.
 */
final class OpenLimits {
    private OpenLimits() {
    }

    static LimitsView of(JobLimits l) {
        return (LimitsView) Proxy.newProxyInstance(LimitsView.class.getClassLoader(), new Class<?>[] {LimitsView.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getSpec" -> LimitSpec.format(l);
                    case "toString" -> LimitSpec.format(l);
                    case "hashCode" -> l.hashCode();
                    case "equals" -> proxy == args[0];
                    default -> item(method.getName()).jmxValue(l);
                });
    }

    /** The catalog row of a getter: {@code getJobMemoryLimitBytes} or {@code isKillOnClose}. */
    static LimitCatalog.Row item(String getter) {
        String attribute = getter.startsWith("is") ? getter.substring(2) : getter.substring(3);
        return LimitCatalog.byJmx(attribute).orElseThrow(() -> new IllegalStateException("no limit has the JMX item " + attribute));
    }
}
