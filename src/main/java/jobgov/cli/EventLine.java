package jobgov.cli;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import jobgov.job.JobEvent;
import jobgov.job.Units;

/** One job event as one line for people: {@code jobgov: 13:45:01.123 process.exit pid=4242 exitCode=3}. */
final class EventLine {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private EventLine() {
    }

    static String format(JobEvent e) {
        StringBuilder sb = new StringBuilder(prefix(e.time()));
        sb.append(e.type().startsWith("jobgov.") ? e.type().substring("jobgov.".length()) : e.type());
        if (e.pid() != 0) {
            sb.append(" pid=").append(e.pid());
        }
        // Every event is a record: print its values generically, so a new event kind needs no change here.
        for (RecordComponent c : e.getClass().getRecordComponents()) {
            if (c.getName().equals("time") || c.getName().equals("pid")) {
                continue;
            }
            Object v;
            try {
                v = c.getAccessor().invoke(e);
            } catch (ReflectiveOperationException ex) {
                v = "?";
            }
            sb.append(' ').append(c.getName()).append('=').append(v instanceof Duration d ? Units.formatDuration(d) : v);
        }
        return sb.toString();
    }

    /** {@code jobgov: HH:mm:ss.SSS } */
    static String prefix(Instant time) {
        return "jobgov: " + TIME.format(time) + " ";
    }
}
