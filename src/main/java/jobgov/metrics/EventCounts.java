package jobgov.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanServer;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerNotification;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;

/**
 * Job events counted per job and kind, as the job MBeans send them (the JMX notification types). Every
 * {@code jobgov:type=Job,*} MBean, those registered already and each one registered later (a policy's sub-job),
 * is listened to from its registration on: the MBean server tells its delegate's listeners of a registration
 * before the registering code can forward the job's first event. Each kind the MBean declares starts at 0, so a
 * rate is defined before the first event. A job's counts go when its MBean does.
 */
final class EventCounts implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("jobgov.metrics");
    static final ObjectName JOBS = name("jobgov:type=Job,*");

    private final MBeanServer server;
    private final Map<ObjectName, Map<String, LongAdder>> counts = new ConcurrentHashMap<>();
    private final NotificationListener registrations = this::onRegistration;
    private final NotificationListener events = this::onEvent;

    private EventCounts(MBeanServer server) {
        this.server = server;
    }

    /** Starts counting at once: call before the job MBeans whose events should all be counted are registered. */
    static EventCounts start(MBeanServer server) {
        EventCounts c = new EventCounts(server);
        try {
            server.addNotificationListener(MBeanServerDelegate.DELEGATE_NAME, c.registrations, null, null);
        } catch (InstanceNotFoundException e) {
            throw new IllegalStateException("the MBean server has no delegate", e);
        }
        for (ObjectName job : server.queryNames(JOBS, null)) {
            c.watch(job);
        }
        return c;
    }

    /** The job MBean's counts by notification type, sorted; empty when it is not watched. */
    Map<String, Long> of(ObjectName job) {
        Map<String, LongAdder> m = counts.get(job);
        Map<String, Long> out = new TreeMap<>();
        if (m != null) {
            m.forEach((type, n) -> out.put(type, n.sum()));
        }
        return out;
    }

    private void onRegistration(Notification n, Object handback) {
        if (!(n instanceof MBeanServerNotification r) || !JOBS.apply(r.getMBeanName())) {
            return;
        }
        if (MBeanServerNotification.REGISTRATION_NOTIFICATION.equals(r.getType())) {
            watch(r.getMBeanName());
        } else if (MBeanServerNotification.UNREGISTRATION_NOTIFICATION.equals(r.getType())) {
            counts.remove(r.getMBeanName());
        }
    }

    private void watch(ObjectName job) {
        Map<String, LongAdder> m = new ConcurrentHashMap<>();
        if (counts.putIfAbsent(job, m) != null) {
            return;
        }
        try {
            for (MBeanNotificationInfo info : server.getMBeanInfo(job).getNotifications()) {
                for (String type : info.getNotifTypes()) {
                    m.put(type, new LongAdder());
                }
            }
            server.addNotificationListener(job, events, null, job);
        } catch (Exception e) {
            counts.remove(job);
            LOG.log(System.Logger.Level.DEBUG, "jobgov: events of " + job + " not counted: " + e);
        }
    }

    private void onEvent(Notification n, Object handback) {
        Map<String, LongAdder> m = counts.get((ObjectName) handback);
        if (m != null) {
            m.computeIfAbsent(n.getType(), t -> new LongAdder()).increment();
        }
    }

    @Override
    public void close() {
        try {
            server.removeNotificationListener(MBeanServerDelegate.DELEGATE_NAME, registrations);
        } catch (Exception ignored) {
            // removed already
        }
        for (ObjectName job : counts.keySet()) {
            try {
                server.removeNotificationListener(job, events);
            } catch (Exception ignored) {
                // the MBean is gone
            }
        }
        counts.clear();
    }

    private static ObjectName name(String n) {
        try {
            return new ObjectName(n);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
