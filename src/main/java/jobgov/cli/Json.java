package jobgov.cli;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import jobgov.job.JobEvent;

/** The CLI's machine-readable output (--json): one JSON value per line, written by hand to keep the jar small. */
final class Json {
    private Json() {
    }

    static String write(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Number n) {
            double d = n.doubleValue();
            sb.append(Double.isFinite(d) ? (v instanceof Double || v instanceof Float ? Double.toString(d) : n.toString()) : "null");
        } else if (v instanceof Boolean b) {
            sb.append(b);
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                string(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof Collection<?> c) {
            sb.append('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                write(sb, o);
            }
            sb.append(']');
        } else if (v instanceof Duration d) {
            sb.append(d.toMillis());
        } else {
            string(sb, v.toString());
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** An event as {"time":..., "event":"process.exit", "pid":..., values...}; durations in milliseconds. */
    static Map<String, Object> event(JobEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", e.time().toString());
        m.put("event", e.type().startsWith("jobgov.") ? e.type().substring("jobgov.".length()) : e.type());
        if (e.pid() != 0) {
            m.put("pid", e.pid());
        }
        for (RecordComponent c : e.getClass().getRecordComponents()) {
            if (c.getName().equals("time") || c.getName().equals("pid")) {
                continue;
            }
            try {
                Object v = c.getAccessor().invoke(e);
                m.put(c.getName(), v instanceof Instant i ? i.toString() : v);
            } catch (ReflectiveOperationException ex) {
                m.put(c.getName(), null);
            }
        }
        return m;
    }
}
