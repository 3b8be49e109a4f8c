package jobgov.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The embedded Jolokia HTTP agent: jobgov's MBeans (and the JVM's own) as JSON over HTTP at
 * {@code http://HOST:PORT/jolokia/}. Options are every agent option whose key starts with "jolokia";
 * see {@link JolokiaOptions}. Jolokia lives in jobgov's private class loader, apart from any Jolokia
 * the host application carries.
 */
public final class Jolokia {
    private Jolokia() {
    }

    /** Checks the jolokia* options without starting anything; throws IllegalArgumentException naming a bad key. */
    public static void validate(Map<String, String> options) {
        JolokiaOptions.parse(options);
    }

    /** Starts the HTTP server (call from a daemon thread, never premain's); close() stops it. */
    public static AutoCloseable start(Map<String, String> options) {
        try {
            return JolokiaHttpServer.start(JolokiaOptions.parse(options));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Jolokia on " + options.get(JolokiaOptions.BIND) + ": " + e.getMessage(), e);
        }
    }
}
