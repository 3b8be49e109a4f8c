package jobgov.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The built-in Prometheus endpoint, {@code http://HOST:PORT/metrics}: options are every agent option whose key
 * starts with "metrics" (see {@link MetricsOptions}); the content comes from a {@link MetricsSource}. Served behind
 * the same guards as Jolokia: loopback by default, credentials required beyond it, the Host check on loopback, and
 * a bounded worker pool with client timeouts.
 */
public final class MetricsEndpoint {
    private MetricsEndpoint() {
    }

    /** Checks the metrics* options without starting anything; throws IllegalArgumentException naming a bad key. */
    public static void validate(Map<String, String> options) {
        MetricsOptions.parse(options);
    }

    /** A running endpoint. */
    public interface Server extends AutoCloseable {
        /** {@code http://HOST:PORT/metrics}, with the port bound (also when 0 was asked for). */
        String url();

        @Override
        void close();
    }

    /** Starts the HTTP server (its threads are daemons); close() stops it. */
    public static Server start(Map<String, String> options, MetricsSource source) {
        MetricsOptions parsed = MetricsOptions.parse(options);
        try {
            return MetricsHttpServer.start(parsed, source);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + options.get(MetricsOptions.BIND) + ": " + e.getMessage(), e);
        }
    }
}
