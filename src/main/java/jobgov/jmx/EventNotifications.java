package jobgov.jmx;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import jobgov.job.JobEvent;

/**
 * Job events as JMX notifications: the notification type is {@link JobEvent#type()}, the userData a
 * CompositeData of the event record's fields ({@code time} as a Date, durations as {@code ...Millis},
 * enums as their names, plus {@code type}). Built from the sealed hierarchy, so a new event kind needs no
 * change here.
 */
final class EventNotifications {
    private record Kind(String type, CompositeType data, RecordComponent[] components) {
    }

    private static final Map<Class<?>, Kind> KINDS = kinds();

    private EventNotifications() {
    }

    static MBeanNotificationInfo[] info() {
        List<MBeanNotificationInfo> out = new ArrayList<>();
        for (Kind k : KINDS.values()) {
            out.add(new MBeanNotificationInfo(new String[] {k.type()}, Notification.class.getName(), k.data().getDescription()));
        }
        return out.toArray(MBeanNotificationInfo[]::new);
    }

    static Notification of(JobEvent event, ObjectName source, long sequence) {
        Kind kind = KINDS.get(event.getClass());
        Notification n = new Notification(event.type(), source, sequence, event.time().toEpochMilli(), message(event));
        if (kind != null) {
            n.setUserData(data(kind, event));
        }
        return n;
    }

    /** One line for JConsole's message column, e.g. {@code jobgov.process.exit pid=42 exitCode=3}. */
    private static String message(JobEvent event) {
        StringBuilder sb = new StringBuilder(event.type());
        for (RecordComponent c : event.getClass().getRecordComponents()) {
            if (!c.getName().equals("time")) {
                sb.append(' ').append(c.getName()).append('=').append(value(event, c));
            }
        }
        return sb.toString();
    }

    private static CompositeData data(Kind kind, JobEvent event) {
        Map<String, Object> items = new LinkedHashMap<>();
        items.put("type", event.type());
        for (RecordComponent c : kind.components()) {
            Object v = value(event, c);
            items.put(itemName(c), open(v));
        }
        try {
            return new CompositeDataSupport(kind.data(), items);
        } catch (OpenDataException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    private static Object value(JobEvent event, RecordComponent c) {
        try {
            return c.getAccessor().invoke(event);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + c.getName() + " of " + event.type(), e);
        }
    }

    private static Object open(Object v) {
        if (v instanceof Instant i) {
            return Date.from(i);
        }
        if (v instanceof Duration d) {
            return d.toMillis();
        }
        if (v instanceof Enum<?> e) {
            return e.name();
        }
        return v;
    }

    private static String itemName(RecordComponent c) {
        return c.getType() == Duration.class ? c.getName() + "Millis" : c.getName();
    }

    private static OpenType<?> openType(Class<?> t) {
        if (t == Instant.class) {
            return SimpleType.DATE;
        }
        if (t == Duration.class || t == long.class || t == Long.class) {
            return SimpleType.LONG;
        }
        if (t == int.class || t == Integer.class) {
            return SimpleType.INTEGER;
        }
        if (t == double.class || t == Double.class) {
            return SimpleType.DOUBLE;
        }
        if (t == boolean.class || t == Boolean.class) {
            return SimpleType.BOOLEAN;
        }
        if (t.isEnum() || t == String.class) {
            return SimpleType.STRING;
        }
        throw new IllegalStateException("no open type for event field type " + t.getName());
    }

    private static Map<Class<?>, Kind> kinds() {
        Map<Class<?>, Kind> out = new LinkedHashMap<>();
        for (Class<?> c : JobEvent.class.getPermittedSubclasses()) {
            RecordComponent[] components = c.getRecordComponents();
            String type = typeOf(c, components);
            List<String> names = new ArrayList<>(List.of("type"));
            List<OpenType<?>> types = new ArrayList<>(List.of(SimpleType.STRING));
            for (RecordComponent rc : components) {
                names.add(itemName(rc));
                types.add(openType(rc.getType()));
            }
            try {
                CompositeType data = new CompositeType("jobgov." + c.getSimpleName(), description(c.getSimpleName(), type),
                        names.toArray(String[]::new), names.toArray(String[]::new), types.toArray(OpenType<?>[]::new));
                out.put(c, new Kind(type, data, components));
            } catch (OpenDataException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
        return out;
    }

    /** The type string is an instance method: ask a blank instance (records take nulls and zeros). */
    private static String typeOf(Class<?> c, RecordComponent[] components) {
        Class<?>[] params = new Class<?>[components.length];
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            params[i] = components[i].getType();
            args[i] = blank(params[i]);
        }
        try {
            Constructor<?> ctor = c.getDeclaredConstructor(params);
            return ((JobEvent) ctor.newInstance(args)).type();
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static Object blank(Class<?> t) {
        if (t == long.class) {
            return 0L;
        }
        if (t == int.class) {
            return 0;
        }
        if (t == double.class) {
            return 0.0;
        }
        if (t == boolean.class) {
            return false;
        }
        return null;
    }

    private static String description(String simpleName, String type) {
        return switch (type) {
            case "jobgov.process.new" -> "A process joined the job";
            case "jobgov.process.exit" -> "A process of the job exited (exitCode null when the platform did not report it)";
            case "jobgov.process.abnormal-exit" -> "A process of the job was killed by a signal (Linux) or an exception (Windows)";
            case "jobgov.job.empty" -> "The job has no process left";
            case "jobgov.limit.active-process" -> "A process could not start: the active process limit was reached";
            case "jobgov.limit.process-memory" -> "A process hit the per-process memory limit";
            case "jobgov.limit.job-memory" -> "The job hit its memory limit (on Linux: the OOM killer ran)";
            case "jobgov.limit.process-time" -> "A process used up its user-time limit and was ended";
            case "jobgov.limit.job-time" -> "The job used up its user-time limit";
            case "jobgov.limit.notification" -> "A notification limit was crossed; the job keeps running";
            default -> simpleName + " event";
        };
    }
}
