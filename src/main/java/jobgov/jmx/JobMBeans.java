package jobgov.jmx;

import java.lang.management.ManagementFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;
import jobgov.job.Job;

/**
 * Registers a job as {@code jobgov:type=Job,name=NAME} in the platform MBeanServer: the {@link JobMXBean}
 * attributes and operations, and a JMX notification for every job event. Used by the agent, the policy
 * engine (sub-jobs) and the CLI.
 */
public final class JobMBeans {
    private static final System.Logger LOG = System.getLogger("jobgov.jmx");
    /** Notifications leave the backend's event thread at once; one daemon thread delivers them to listeners. */
    private static final ExecutorService DELIVERY = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "jobgov-jmx-notifications");
        t.setDaemon(true);
        return t;
    });

    private JobMBeans() {
    }

    /** {@code jobgov:type=Job,name=NAME}; job names need no quoting ({@link jobgov.job.JobSpec} allows [A-Za-z0-9._-]). */
    public static ObjectName objectName(String jobName) {
        try {
            boolean plain = jobName.matches("[A-Za-z0-9._-]+");
            return new ObjectName("jobgov:type=Job,name=" + (plain ? jobName : ObjectName.quote(jobName)));
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("job name '" + jobName + "' cannot be an MBean name: " + e.getMessage());
        }
    }

    /**
     * Registers the MXBean and its notifications; close() unregisters it (idempotent). Throws
     * IllegalStateException when a job of that name is registered already.
     */
    public static AutoCloseable register(Job job) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = objectName(job.name());
        NotificationBroadcasterSupport emitter = new NotificationBroadcasterSupport(DELIVERY, EventNotifications.info());
        AtomicLong sequence = new AtomicLong();
        JobHealth health = new JobHealth();
        try {
            server.registerMBean(new DescribedJob(new ManagedJob(job, health), emitter), name);
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalStateException("an MBean " + name + " is registered already (two jobs named '" + job.name() + "'?)");
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + name + ": " + e.getMessage(), e);
        }
        AutoCloseable events = job.subscribe(event -> {
            health.seen(event);
            emitter.sendNotification(EventNotifications.of(event, name, sequence.incrementAndGet()));
        });
        return new AutoCloseable() {
            private boolean closed;

            @Override
            public synchronized void close() {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    events.close();
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.DEBUG, "unsubscribing " + name, e);
                }
                try {
                    server.unregisterMBean(name);
                } catch (JMException e) {
                    LOG.log(System.Logger.Level.DEBUG, name + " was unregistered already", e);
                }
            }
        };
    }
}
