package jobgov.job;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Limits written as text, the CLI's names: {@code memory=256m,processes=32,cpu=50%,affinity=0-1,3}.
 * Used by {@code jobgov run} flags, agent options, the policy DSL, the Job MBean's {@code setLimits} and
 * Jolokia; every key, syntax and "no limit" rule is a row of {@link LimitCatalog}. Keys may also be
 * written camelCase ({@code processMemory}).
 */
public final class LimitSpec {
    /** Every key, in the order {@link #format} prints them. */
    public static final List<String> KEYS = LimitCatalog.keys();

    private LimitSpec() {
    }

    public static JobLimits parse(String spec) {
        return apply(spec, JobLimits.NONE);
    }

    /** {@code base} with the limits named in {@code spec} changed; validates the result as a whole. */
    public static JobLimits apply(String spec, JobLimits base) {
        return apply(pairs(spec), base);
    }

    /**
     * {@code base} with the limits named in {@code values} (key as any entry point writes it -> value text)
     * changed; validates the result as a whole. The entry points that hold values one by one (flags,
     * options, DSL words) come here without joining them into text first.
     */
    public static JobLimits apply(Map<String, String> values, JobLimits base) {
        Map<LimitCatalog.Row, String> rows = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String key = LimitCatalog.normalize(e.getKey());
            LimitCatalog.Row row = LimitCatalog.find(key).orElseThrow(() -> new IllegalArgumentException(
                    "unknown limit '" + key + "' (known: " + String.join(", ", KEYS) + ")"));
            if (rows.put(row, e.getValue() == null ? "" : e.getValue()) != null) {
                throw new IllegalArgumentException("limit '" + key + "' given twice");
            }
        }
        Set<String> keys = new HashSet<>();
        rows.keySet().forEach(r -> keys.add(r.key()));
        long modes = (keys.contains("cpu") ? 1 : 0) + (keys.contains("cpu-weight") ? 1 : 0)
                + (keys.contains("cpu-min") || keys.contains("cpu-max") ? 1 : 0);
        if (modes > 1) {
            throw new IllegalArgumentException("cpu (hard cap), cpu-weight and cpu-min/cpu-max cannot be combined: choose one CPU rate mode");
        }
        JobLimits.Builder b = base.toBuilder();
        rows.forEach((row, text) -> row.set().accept(b, row.parse(text)));
        return b.build();
    }

    /** The spec text of {@code limits}: only the limits that are set, in {@link LimitCatalog#ROWS} order. */
    public static String format(JobLimits l) {
        StringJoiner j = new StringJoiner(",");
        for (LimitCatalog.Row r : LimitCatalog.ROWS) {
            String v = r.format(l);
            if (v != null) {
                j.add(r.key() + "=" + v);
            }
        }
        return j.toString();
    }

    /**
     * Splits {@code k=v,k=v}; a piece without '=' continues the previous value, so lists such as
     * {@code affinity=0-1,3} keep their commas.
     */
    static Map<String, String> pairs(String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return out;
        }
        List<String> pieces = new ArrayList<>();
        for (String piece : spec.split(",", -1)) {
            if (piece.contains("=") || pieces.isEmpty()) {
                pieces.add(piece);
            } else {
                pieces.set(pieces.size() - 1, pieces.get(pieces.size() - 1) + "," + piece);
            }
        }
        for (String piece : pieces) {
            int eq = piece.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got '" + piece.trim() + "' in '" + spec + "'");
            }
            String key = normalize(piece.substring(0, eq).trim());
            if (out.containsKey(key)) {
                throw new IllegalArgumentException("limit '" + key + "' given twice in '" + spec + "'");
            }
            out.put(key, piece.substring(eq + 1).trim());
        }
        return out;
    }

    /** {@code processMemory} or {@code process_memory} to {@code process-memory}: {@link LimitCatalog#normalize}. */
    static String normalize(String key) {
        return LimitCatalog.normalize(key);
    }
}
