package jobgov.job;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Limits written as text, the CLI's names: {@code memory=256m,processes=32,cpu=50%,affinity=0-1,3}.
 * Used by {@code jobgov run} flags, agent options, the Job MBean's {@code setLimits} and Jolokia.
 * A value of {@code none}, {@code 0} or nothing clears that limit. Keys may also be written
 * camelCase ({@code processMemory}).
 */
public final class LimitSpec {
    /** Every key, in the order {@link #format} prints them. */
    public static final List<String> KEYS = List.of(
            "memory", "process-memory", "min-working-set", "max-working-set", "processes",
            "cpu", "cpu-weight", "cpu-min", "cpu-max", "affinity", "priority-class", "scheduling-class",
            "process-time", "job-time", "job-time-action", "kill-on-close", "die-on-unhandled-exception",
            "breakaway", "silent-breakaway", "ui-restrictions", "io-bandwidth", "io-iops", "io-device",
            "net-bandwidth", "net-dscp", "memory-notify", "job-time-notify", "io-read-notify", "io-write-notify");

    private LimitSpec() {
    }

    public static JobLimits parse(String spec) {
        return apply(spec, JobLimits.NONE);
    }

    /** {@code base} with the limits named in {@code spec} changed; validates the result as a whole. */
    public static JobLimits apply(String spec, JobLimits base) {
        JobLimits.Builder b = base.toBuilder();
        Long minWs = base.minWorkingSetBytes();
        Long maxWs = base.maxWorkingSetBytes();
        Double cpuMin = base.cpuMinPercent();
        Double cpuMax = base.cpuMaxPercent();
        Map<String, String> pairs = pairs(spec);
        long modes = (pairs.containsKey("cpu") ? 1 : 0) + (pairs.containsKey("cpu-weight") ? 1 : 0)
                + (pairs.containsKey("cpu-min") || pairs.containsKey("cpu-max") ? 1 : 0);
        if (modes > 1) {
            throw new IllegalArgumentException("cpu (hard cap), cpu-weight and cpu-min/cpu-max cannot be combined: choose one CPU rate mode");
        }
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            String key = e.getKey();
            String raw = e.getValue();
            boolean clear = raw.isEmpty() || raw.equalsIgnoreCase("none") || raw.equals("0");
            String v = raw;
            try {
                switch (key) {
                    case "memory" -> b.jobMemoryBytes(clear ? null : Units.parseBytes(v));
                    case "process-memory" -> b.processMemoryBytes(clear ? null : Units.parseBytes(v));
                    case "min-working-set" -> minWs = clear ? null : Units.parseBytes(v);
                    case "max-working-set" -> maxWs = clear ? null : Units.parseBytes(v);
                    case "processes" -> b.activeProcesses(clear ? null : parseInt(v));
                    case "cpu" -> b.cpuRatePercent(clear ? null : Units.parsePercent(v));
                    case "cpu-weight" -> b.cpuWeight(clear ? null : parseInt(v));
                    case "cpu-min" -> cpuMin = clear ? null : Units.parsePercent(v);
                    case "cpu-max" -> cpuMax = clear ? null : Units.parsePercent(v);
                    case "affinity" -> b.affinity(clear && !raw.equals("0") ? null : CpuSet.parse(v));
                    case "priority-class" -> b.priorityClass(clear ? null : PriorityClass.parse(v));
                    case "scheduling-class" -> b.schedulingClass(raw.isEmpty() || raw.equalsIgnoreCase("none") ? null : parseInt(v));
                    case "process-time" -> b.processTime(clear ? null : Units.parseDuration(v));
                    case "job-time" -> b.jobTime(clear ? null : Units.parseDuration(v));
                    case "job-time-action" -> b.jobTimeAction(clear ? null : parseAction(v));
                    case "kill-on-close" -> b.killOnClose(clear ? null : parseBool(v));
                    case "die-on-unhandled-exception" -> b.dieOnUnhandledException(clear ? null : parseBool(v));
                    case "breakaway" -> b.breakawayOk(clear ? null : parseBool(v));
                    case "silent-breakaway" -> b.silentBreakawayOk(clear ? null : parseBool(v));
                    case "ui-restrictions" -> b.uiRestrictions(clear ? null : parseUi(v));
                    case "io-bandwidth" -> b.ioBandwidthBytesPerSec(clear ? null : Units.parseBytes(stripPerSecond(v)));
                    case "io-iops" -> b.ioIops(clear ? null : (long) parseInt(v));
                    case "io-device" -> b.ioDevice(clear ? null : v);
                    case "net-bandwidth" -> b.netBandwidthBytesPerSec(clear ? null : Units.parseBytes(stripPerSecond(v)));
                    case "net-dscp" -> b.netDscp(raw.isEmpty() || raw.equalsIgnoreCase("none") ? null : parseInt(v));
                    case "memory-notify" -> b.memoryNotifyBytes(clear ? null : Units.parseBytes(v));
                    case "job-time-notify" -> b.jobTimeNotify(clear ? null : Units.parseDuration(v));
                    case "io-read-notify" -> b.ioReadNotifyBytes(clear ? null : Units.parseBytes(v));
                    case "io-write-notify" -> b.ioWriteNotifyBytes(clear ? null : Units.parseBytes(v));
                    default -> throw new IllegalArgumentException("unknown limit '" + key + "' (known: " + String.join(", ", KEYS) + ")");
                }
            } catch (IllegalArgumentException ex) {
                String msg = ex.getMessage();
                throw new IllegalArgumentException(msg != null && msg.startsWith(key) || msg != null && msg.startsWith("unknown limit")
                        ? msg : key + ": " + msg, ex);
            }
        }
        b.workingSetBytes(minWs, maxWs);
        if (cpuMin != null || cpuMax != null || base.cpuMinPercent() != null || base.cpuMaxPercent() != null) {
            if (cpuMin != null || cpuMax != null) {
                b.cpuMinMaxPercent(cpuMin, cpuMax);
            } else {
                b.cpuMinMaxPercent(null, null);
            }
        }
        return b.build();
    }

    /** The spec text of {@code limits}: only the limits that are set. */
    public static String format(JobLimits l) {
        StringJoiner j = new StringJoiner(",");
        put(j, "memory", l.jobMemoryBytes() == null ? null : Units.formatBytes(l.jobMemoryBytes()));
        put(j, "process-memory", l.processMemoryBytes() == null ? null : Units.formatBytes(l.processMemoryBytes()));
        put(j, "min-working-set", l.minWorkingSetBytes() == null ? null : Units.formatBytes(l.minWorkingSetBytes()));
        put(j, "max-working-set", l.maxWorkingSetBytes() == null ? null : Units.formatBytes(l.maxWorkingSetBytes()));
        put(j, "processes", l.activeProcesses());
        put(j, "cpu", l.cpuRatePercent() == null ? null : Units.formatPercent(l.cpuRatePercent()));
        put(j, "cpu-weight", l.cpuWeight());
        put(j, "cpu-min", l.cpuMinPercent() == null ? null : Units.formatPercent(l.cpuMinPercent()));
        put(j, "cpu-max", l.cpuMaxPercent() == null ? null : Units.formatPercent(l.cpuMaxPercent()));
        put(j, "affinity", l.affinity());
        put(j, "priority-class", l.priorityClass() == null ? null : l.priorityClass().key());
        put(j, "scheduling-class", l.schedulingClass());
        put(j, "process-time", l.processTime() == null ? null : Units.formatDuration(l.processTime()));
        put(j, "job-time", l.jobTime() == null ? null : Units.formatDuration(l.jobTime()));
        put(j, "job-time-action", l.jobTimeAction() == null ? null : l.jobTimeAction().name().toLowerCase(Locale.ROOT));
        put(j, "kill-on-close", l.killOnClose());
        put(j, "die-on-unhandled-exception", l.dieOnUnhandledException());
        put(j, "breakaway", l.breakawayOk());
        put(j, "silent-breakaway", l.silentBreakawayOk());
        if (l.uiRestrictions() != null) {
            StringJoiner ui = new StringJoiner("+");
            l.uiRestrictions().forEach(r -> ui.add(r.key()));
            put(j, "ui-restrictions", ui);
        }
        put(j, "io-bandwidth", l.ioBandwidthBytesPerSec() == null ? null : Units.formatBytes(l.ioBandwidthBytesPerSec()));
        put(j, "io-iops", l.ioIops());
        put(j, "io-device", l.ioDevice());
        put(j, "net-bandwidth", l.netBandwidthBytesPerSec() == null ? null : Units.formatBytes(l.netBandwidthBytesPerSec()));
        put(j, "net-dscp", l.netDscp());
        put(j, "memory-notify", l.memoryNotifyBytes() == null ? null : Units.formatBytes(l.memoryNotifyBytes()));
        put(j, "job-time-notify", l.jobTimeNotify() == null ? null : Units.formatDuration(l.jobTimeNotify()));
        put(j, "io-read-notify", l.ioReadNotifyBytes() == null ? null : Units.formatBytes(l.ioReadNotifyBytes()));
        put(j, "io-write-notify", l.ioWriteNotifyBytes() == null ? null : Units.formatBytes(l.ioWriteNotifyBytes()));
        return j.toString();
    }

    private static void put(StringJoiner j, String key, Object v) {
        if (v != null) {
            j.add(key + "=" + v);
        }
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

    /** {@code processMemory} or {@code process_memory} to {@code process-memory}. */
    static String normalize(String key) {
        StringBuilder sb = new StringBuilder();
        for (char c : key.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('-').append(Character.toLowerCase(c));
            } else {
                sb.append(c == '_' ? '-' : c);
            }
        }
        return sb.toString();
    }

    private static int parseInt(String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number: '" + v + "'");
        }
    }

    private static boolean parseBool(String v) {
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("not true/false: '" + v + "'");
        };
    }

    private static JobTimeAction parseAction(String v) {
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "terminate" -> JobTimeAction.TERMINATE;
            case "post", "notify" -> JobTimeAction.POST;
            default -> throw new IllegalArgumentException("not terminate/post: '" + v + "'");
        };
    }

    private static Set<UiRestriction> parseUi(String v) {
        EnumSet<UiRestriction> s = EnumSet.noneOf(UiRestriction.class);
        for (String p : v.split("[+|,]")) {
            if (!p.isBlank()) {
                s.add(UiRestriction.parse(p));
            }
        }
        return s;
    }

    private static String stripPerSecond(String v) {
        String t = v.trim();
        return t.endsWith("/s") ? t.substring(0, t.length() - 2) : t;
    }
}
