package jobgov.http;

import java.util.Map;

/**
 * The embedded Jolokia HTTP agent. STUB: the Jolokia work replaces this class; the signatures are the
 * contract the agent and the CLI call. Options are every agent option whose key starts with "jolokia".
 */
public final class Jolokia {
    private Jolokia() {
    }

    /** Checks the jolokia* options without starting anything; throws IllegalArgumentException naming a bad key. */
    public static void validate(Map<String, String> options) {
        for (String key : options.keySet()) {
            if (!key.equals("jolokia")) {
                throw new IllegalArgumentException("unknown option '" + key + "'");
            }
        }
    }

    /** Starts the HTTP server (call from a daemon thread, never premain's); close() stops it. */
    public static AutoCloseable start(Map<String, String> options) {
        throw new UnsupportedOperationException("Jolokia support is not built yet");
    }
}
