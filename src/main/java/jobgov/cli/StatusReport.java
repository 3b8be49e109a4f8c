package jobgov.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A job's limits, counters and processes as text for people (what {@code jobgov status} prints). */
final class StatusReport {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private StatusReport() {
    }

    static String render(String source, List<JobSnapshot> jobs, Instant at) {
        return render(source, jobs, at, true);
    }

    /** {@code local}: the pids are this machine's, so their command lines can be shown. */
    static String render(String source, List<JobSnapshot> jobs, Instant at, boolean local) {
        StringBuilder sb = new StringBuilder();
        sb.append("jobgov status: ").append(source).append(", ").append(TIME.format(at)).append('\n');
        for (JobSnapshot j : jobs) {
            sb.append('\n');
            sb.append("job       ").append(j.name()).append('\n');
            sb.append("backend   ").append(j.backend()).append('\n');
            sb.append("location  ").append(j.location()).append('\n');
            if (!j.eventSource().isEmpty()) {
                sb.append("events    ").append(j.eventSource()).append('\n');
            }
            sb.append("limits    ").append(j.limitSpec() == null || j.limitSpec().isEmpty() ? "none" : j.limitSpec()).append('\n');
            sb.append("counters\n");
            for (Map.Entry<String, Long> c : j.counters().entrySet()) {
                // The value carries the unit: "totalUserTime 3.866 s", not "totalUserTimeMillis 3.866 s".
                sb.append(String.format("  %-28s %s%n", label(c.getKey()), value(c.getKey(), c.getValue())));
            }
            sb.append("processes (").append(j.pids().size()).append(")\n");
            for (long pid : j.pids()) {
                sb.append(String.format("  %-8d %s%n", pid, local ? commandLine(pid) : ""));
            }
        }
        return sb.toString();
    }

    static String label(String key) {
        return key.replaceFirst("(Millis|Bytes)$", "");
    }

    /** The report as one JSON object: counters under their MBean names with their units, -1 as null. */
    static Map<String, Object> json(String source, List<JobSnapshot> jobs, Instant at) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("source", source);
        m.put("time", at.toString());
        List<Object> list = new java.util.ArrayList<>();
        for (JobSnapshot j : jobs) {
            Map<String, Object> o = new java.util.LinkedHashMap<>();
            o.put("name", j.name());
            o.put("backend", j.backend());
            o.put("location", j.location());
            o.put("eventSource", j.eventSource());
            o.put("limits", j.limitSpec() == null ? "" : j.limitSpec());
            Map<String, Object> counters = new java.util.LinkedHashMap<>();
            j.counters().forEach((k, v) -> counters.put(k, v < 0 ? null : v));
            o.put("counters", counters);
            o.put("pids", j.pids());
            list.add(o);
        }
        m.put("jobs", list);
        return m;
    }

    static String value(String key, long v) {
        if (v < 0) {
            return "n/a";
        }
        if (key.endsWith("Millis")) {
            return String.format("%.3f s", v / 1000.0);
        }
        if (key.endsWith("Bytes")) {
            return bytes(v);
        }
        return Long.toString(v);
    }

    private static String bytes(long v) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double d = v;
        int i = 0;
        while (d >= 1024 && i < units.length - 1) {
            d /= 1024;
            i++;
        }
        return i == 0 ? v + " B" : String.format("%.1f %s", d, units[i]);
    }

    /** The command line when the process is on this machine and visible to this user. */
    private static String commandLine(long pid) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        String line = h.flatMap(p -> p.info().commandLine()).or(() -> h.flatMap(p -> p.info().command())).orElse("");
        line = line.replaceAll("\\s+", " ").strip(); // one row per process, even for a multi-line sh -c script
        return line.length() > 160 ? line.substring(0, 157) + "..." : line;
    }
}
