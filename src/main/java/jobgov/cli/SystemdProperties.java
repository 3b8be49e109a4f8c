package jobgov.cli;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jobgov.job.Units;

/**
 * {@code jobgov run -p NAME=VALUE}: systemd's resource-control property names and units
 * (systemd.resource-control(5)) translated to jobgov's limits. A property without a faithful
 * jobgov equivalent is refused by name, never approximated silently.
 */
final class SystemdProperties {
    /** The properties accepted, in the order --help lists them. */
    static final List<String> NAMES = List.of("MemoryMax", "MemoryHigh", "MemoryLow", "TasksMax", "CPUQuota", "CPUWeight",
            "AllowedCPUs", "IOReadBandwidthMax", "IOWriteBandwidthMax", "RuntimeMaxSec");

    /** What the properties asked for: limit flags (LimitSpec keys) and a wall-clock limit. */
    record Mapped(Map<String, String> limits, Duration runtimeMax) {
    }

    private SystemdProperties() {
    }

    /**
     * @param cpus the machine's CPU count, for CPUQuota (systemd: a share of one CPU; jobgov: of all)
     * @throws IllegalArgumentException naming the property
     */
    static Mapped map(List<String> properties, int cpus) {
        Map<String, String> given = new LinkedHashMap<>();
        for (String p : properties) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("-p " + p + ": expected NAME=VALUE, e.g. -p MemoryMax=512M");
            }
            String name = p.substring(0, eq).trim();
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException("-p " + name + ": systemd property '" + name + "' has no jobgov equivalent (accepted: "
                        + String.join(", ", NAMES) + ")");
            }
            if (given.put(name, p.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("-p " + name + ": given twice");
            }
        }
        Map<String, String> limits = new LinkedHashMap<>();
        Duration runtimeMax = null;
        for (Map.Entry<String, String> e : given.entrySet()) {
            String name = e.getKey();
            String v = e.getValue();
            try {
                if (v.isEmpty() || v.equalsIgnoreCase("infinity")) {
                    throw new IllegalArgumentException("'" + v + "' means no limit: leave the property out");
                }
                switch (name) {
                    case "MemoryMax" -> limits.put("memory", bytes(v));
                    case "MemoryHigh" -> {
                        limits.put("max-working-set", bytes(v));
                        // The model keeps min and max together; without MemoryLow the minimum is one page.
                        limits.putIfAbsent("min-working-set", given.containsKey("MemoryLow") ? bytes(given.get("MemoryLow")) : "4096");
                    }
                    case "MemoryLow" -> {
                        if (!given.containsKey("MemoryHigh")) {
                            throw new IllegalArgumentException("goes with MemoryHigh (jobgov keeps the two together)");
                        }
                        limits.put("min-working-set", bytes(v));
                    }
                    case "TasksMax" -> {
                        if (v.endsWith("%")) {
                            throw new IllegalArgumentException("a percentage of the system's limit is not supported: give a number of tasks");
                        }
                        limits.put("processes", Long.toString(positive(v)));
                    }
                    case "CPUQuota" -> limits.put("cpu", cpuQuota(v, cpus));
                    case "CPUWeight" -> limits.put("cpu-weight", Integer.toString(cpuWeight(v)));
                    case "AllowedCPUs" -> limits.put("affinity", v.trim().replaceAll("[\\s,]+", ","));
                    case "IOReadBandwidthMax", "IOWriteBandwidthMax" -> ioBandwidth(name, v, given, limits);
                    case "RuntimeMaxSec" -> runtimeMax = seconds(v);
                    default -> throw new IllegalStateException(name);
                }
            } catch (IllegalArgumentException ex) {
                String m = ex.getMessage();
                throw new IllegalArgumentException(m.startsWith("-p ") ? m : "-p " + name + "=" + v + ": " + m, ex);
            }
        }
        return new Mapped(limits, runtimeMax);
    }

    /** systemd sizes: K, M, G, T are powers of 1024, as jobgov's; a bare number is bytes. */
    private static String bytes(String v) {
        if (v.endsWith("%")) {
            throw new IllegalArgumentException("a percentage of physical memory is not supported: give a size, e.g. 512M");
        }
        return Long.toString(Units.parseBytes(v));
    }

    /** systemd: 100% is one CPU; jobgov's --cpu: 100% is the whole machine. */
    static String cpuQuota(String v, int cpus) {
        if (!v.endsWith("%")) {
            throw new IllegalArgumentException("a percentage expected, e.g. CPUQuota=50% (half of one CPU)");
        }
        double perCpu = Units.parsePercent(v);
        if (perCpu <= 0) {
            throw new IllegalArgumentException("must be above 0%");
        }
        double machine = perCpu / cpus;
        if (machine > 100) {
            throw new IllegalArgumentException("more than this machine's " + cpus + " CPUs (" + (100 * cpus) + "% at most)");
        }
        return Units.formatPercent(machine);
    }

    /** systemd's 1-10000 (100 the default) to jobgov's 1-9 (5 the default), each step a doubling. */
    static int cpuWeight(String v) {
        long w = positive(v);
        if (w > 10_000) {
            throw new IllegalArgumentException("must be between 1 and 10000");
        }
        long step = Math.round(Math.log((double) w / 100) / Math.log(2));
        return (int) Math.max(1, Math.min(9, 5 + step));
    }

    /** jobgov caps reads and writes together: both properties, one device, one value. */
    private static void ioBandwidth(String name, String v, Map<String, String> given, Map<String, String> limits) {
        String[] parts = v.trim().split("\\s+");
        if (parts.length != 2) {
            throw new IllegalArgumentException("expected 'DEVICE BYTES', e.g. '/dev/vda 10M'");
        }
        String other = name.equals("IOReadBandwidthMax") ? "IOWriteBandwidthMax" : "IOReadBandwidthMax";
        if (!v.trim().equals(given.getOrDefault(other, "").trim())) {
            throw new IllegalArgumentException("jobgov caps reads and writes together: give " + other + " with the same value too, or use --io-bandwidth and --io-device");
        }
        limits.put("io-device", parts[0]);
        limits.put("io-bandwidth", Long.toString(Units.parseBytes(parts[1])));
    }

    /** systemd time spans: 30, 30s, 5min, 1h 30min, 500ms. */
    private static Duration seconds(String v) {
        Duration total = Duration.ZERO;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|msec|s|sec|seconds?|m|min|minutes?|h|hr|hours?|d|days?)?\\s*")
                .matcher(v.toLowerCase(Locale.ROOT));
        int at = 0;
        while (at < v.length() && m.find(at) && m.start() == at) {
            double n = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double millis = switch (unit.charAt(0)) {
                case 'm' -> unit.startsWith("ms") ? n : n * 60_000;
                case 'h' -> n * 3_600_000;
                case 'd' -> n * 86_400_000;
                default -> n * 1_000;
            };
            total = total.plusMillis(Math.round(millis));
            at = m.end();
        }
        if (at != v.length() || total.isZero()) {
            throw new IllegalArgumentException("a time span expected, e.g. 30s, 5min, 1h");
        }
        return total;
    }

    private static long positive(String v) {
        try {
            long n = Long.parseLong(v.trim());
            if (n < 1) {
                throw new IllegalArgumentException("must be at least 1");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a whole number expected");
        }
    }
}
