package jobgov.cli;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServerConnection;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import jobgov.jmx.JobMBeans;

/**
 * Job events counted as they arrive, for {@code jobgov top}: one JMX connection to each governed JVM (started
 * once through the Attach API, as {@code status} does) and a listener on its job's MBean, counting notifications.
 * A job no governed JVM holds (a {@code cgroup} or {@code stale} row) has no count. Connections are made in
 * parallel, each given {@link #CONNECT_SECONDS}; a JVM that does not answer is left without one.
 */
final class EventRates implements AutoCloseable {
    static final long CONNECT_SECONDS = 10;

    private final Map<Long, JMXConnector> connectors = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    /** Starts counting the events of each {@code jvms}' job; returns when every JVM is connected or given up. */
    void watch(List<GovernedJvms.GovernedJvm> jvms) {
        List<GovernedJvms.GovernedJvm> fresh = jvms.stream().filter(j -> !counts.containsKey(key(j.pid(), j.job()))).toList();
        if (fresh.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, fresh.size()), r -> {
            Thread t = new Thread(r, "jobgov-top-connect");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Object>> asked = new java.util.ArrayList<>();
            for (GovernedJvms.GovernedJvm j : fresh) {
                asked.add(pool.submit(() -> {
                    connect(j);
                    return null;
                }));
            }
            for (Future<Object> f : asked) {
                try {
                    f.get(CONNECT_SECONDS, TimeUnit.SECONDS);
                } catch (Exception e) {
                    f.cancel(true); // busy or exiting: this JVM's events stay unknown
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Events counted so far for the job {@code name} governed by {@code pid}; -1 when none are counted. */
    long count(long pid, String name) {
        AtomicLong n = counts.get(key(pid, name));
        return n == null ? -1 : n.get();
    }

    private void connect(GovernedJvms.GovernedJvm j) throws Exception {
        String url;
        VirtualMachine vm = VirtualMachine.attach(Long.toString(j.pid()));
        try {
            url = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(url));
        AtomicLong n = new AtomicLong();
        NotificationListener count = (notification, handback) -> n.incrementAndGet();
        try {
            MBeanServerConnection server = c.getMBeanServerConnection();
            ObjectName job = JobMBeans.objectName(j.job());
            server.addNotificationListener(job, count, null, null);
        } catch (Exception e) {
            c.close();
            throw e;
        }
        connectors.put(j.pid(), c);
        counts.put(key(j.pid(), j.job()), n);
    }

    private static String key(long pid, String name) {
        return pid + "/" + name;
    }

    @Override
    public void close() {
        for (JMXConnector c : connectors.values()) {
            try {
                c.close();
            } catch (IOException ignored) {
                // the JVM is gone
            }
        }
        connectors.clear();
    }
}
