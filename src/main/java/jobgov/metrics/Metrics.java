package jobgov.metrics;

import java.lang.management.ManagementFactory;
import java.util.Map;
import javax.management.MBeanServer;
import jobgov.http.MetricsEndpoint;

/**
 * Built-in Prometheus metrics of this JVM's jobs, policies and agent at {@code http://HOST:PORT/metrics}
 * (see docs/metrics.md). In two steps, because events are counted from the job MBean's registration on while
 * the HTTP server, like Jolokia's, belongs on a background thread: {@link #count} before the job MBean is
 * registered, {@link #serve} later. Options are every agent option whose key starts with "metrics".
 */
public final class Metrics implements AutoCloseable {
    private final Map<String, String> options;
    private final EventCounts events;
    private final JobMetrics content;
    private volatile MetricsEndpoint.Server server;

    private Metrics(Map<String, String> options, MBeanServer mbeans) {
        this.options = Map.copyOf(options);
        this.events = EventCounts.start(mbeans);
        this.content = new JobMetrics(mbeans, events);
    }

    /** Checks the metrics* options without starting anything; throws IllegalArgumentException naming a bad key. */
    public static void validate(Map<String, String> options) {
        MetricsEndpoint.validate(options);
    }

    /** Checks the options and starts counting the job events of the platform MBean server's job MBeans. */
    public static Metrics count(Map<String, String> options) {
        validate(options);
        return new Metrics(options, ManagementFactory.getPlatformMBeanServer());
    }

    /** Starts the HTTP server (call from a daemon thread in an agent); throws when it cannot listen. */
    public Metrics serve() {
        synchronized (this) {
            if (server == null) {
                server = MetricsEndpoint.start(options, accept -> Exposition.write(content.scrape(), accept));
            }
        }
        return this;
    }

    /** Where the endpoint serves, once {@link #serve} has started it; else null. */
    public String url() {
        MetricsEndpoint.Server s = server;
        return s == null ? null : s.url();
    }

    /** The exposition text of one scrape in the Prometheus text format (for tests and tools). */
    String text() throws java.io.IOException {
        return new String(Exposition.write(content.scrape(), null).body(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            MetricsEndpoint.Server s = server;
            if (s != null) {
                s.close();
            }
        } finally {
            events.close();
        }
    }
}
