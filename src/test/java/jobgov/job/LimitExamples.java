package jobgov.job;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A valid example value for every {@link LimitCatalog} row, in the text {@link LimitSpec#format} prints,
 * and the other limits a row needs beside it to make a valid value (a working set has two ends). The entry
 * point tests of each package walk these, so a row without an example fails them all.
 */
public final class LimitExamples {
    private static final Map<String, String> EXAMPLE = Map.ofEntries(
            Map.entry("memory", "512m"), Map.entry("process-memory", "1g"), Map.entry("min-working-set", "64m"),
            Map.entry("max-working-set", "1g"), Map.entry("processes", "32"), Map.entry("cpu", "12.5%"),
            Map.entry("cpu-weight", "3"), Map.entry("cpu-min", "10%"), Map.entry("cpu-max", "80%"),
            Map.entry("affinity", "0-1,3"), Map.entry("priority-class", "below-normal"), Map.entry("scheduling-class", "0"),
            Map.entry("process-time", "500ms"), Map.entry("job-time", "2m"), Map.entry("job-time-action", "post"),
            Map.entry("kill-on-close", "false"), Map.entry("die-on-unhandled-exception", "true"), Map.entry("breakaway", "true"),
            Map.entry("silent-breakaway", "true"), Map.entry("ui-restrictions", "handles+desktop"), Map.entry("io-bandwidth", "10m"),
            Map.entry("io-iops", "100"), Map.entry("io-device", "/dev/vda"), Map.entry("net-bandwidth", "1m"),
            Map.entry("net-dscp", "0"), Map.entry("memory-notify", "256m"), Map.entry("job-time-notify", "30s"),
            Map.entry("io-read-notify", "1g"), Map.entry("io-write-notify", "2g"));

    private static final Map<String, Map<String, String>> NEEDS = Map.of(
            "min-working-set", Map.of("max-working-set", "1g"),
            "max-working-set", Map.of("min-working-set", "64m"),
            "job-time-action", Map.of("job-time", "1m"));

    private LimitExamples() {
    }

    /** The example value of {@code row}; fails when the catalog gained a row this class does not know. */
    public static String of(LimitCatalog.Row row) {
        String v = EXAMPLE.get(row.key());
        if (v == null) {
            throw new AssertionError("LimitExamples has no example for the catalog row '" + row.key() + "': add one");
        }
        return v;
    }

    /** {@code row}'s example with the limits it needs beside it, key -> text, the row first. */
    public static Map<String, String> valueOf(LimitCatalog.Row row) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(row.key(), of(row));
        m.putAll(NEEDS.getOrDefault(row.key(), Map.of()));
        return m;
    }

    /** The same as spec text: {@code min-working-set=64m,max-working-set=1g}. */
    public static String specOf(LimitCatalog.Row row) {
        StringBuilder sb = new StringBuilder();
        valueOf(row).forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }
}
