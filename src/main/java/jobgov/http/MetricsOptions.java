package jobgov.http;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code metrics*} options of the built-in Prometheus endpoint, checked by Jolokia's rules: where to listen
 * (127.0.0.1 by default), and the one user every scrape must name once one is given; beyond loopback a user is
 * required. The password comes from a file or an environment variable, never from the options ({@code ps} shows them).
 */
record MetricsOptions(InetSocketAddress address, Optional<String> user, Optional<JolokiaOptions.Secret> password) {
    static final String BIND = "metrics";
    static final String USER = "metricsUser";
    static final String PASSWORD_FILE = "metricsPasswordFile";
    static final String PASSWORD_ENV = "metricsPasswordEnv";
    static final List<String> KEYS = List.of(BIND, USER, PASSWORD_FILE, PASSWORD_ENV);

    /** Parses and checks every option; throws IllegalArgumentException naming the first bad one. */
    static MetricsOptions parse(Map<String, String> options) {
        for (String key : options.keySet()) {
            if (key.equals("metricsPassword")) {
                throw new IllegalArgumentException("option 'metricsPassword' is not accepted: a password on the command line is "
                        + "visible to every user through ps; use " + PASSWORD_FILE + "=PATH or " + PASSWORD_ENV + "=VARIABLE");
            }
            if (!Set.copyOf(KEYS).contains(key)) {
                throw new IllegalArgumentException("unknown option '" + key + "' (metrics options: " + String.join(", ", KEYS) + ")");
            }
        }
        String bind = options.get(BIND);
        if (bind == null || bind.isBlank()) {
            throw new IllegalArgumentException("option '" + BIND + "' needs [HOST:]PORT, e.g. metrics=127.0.0.1:9464");
        }
        InetSocketAddress address = JolokiaOptions.address(BIND, bind.trim());
        Optional<String> user = Optional.ofNullable(options.get(USER));
        if (user.isPresent() && (user.get().isBlank() || user.get().contains(":"))) {
            throw new IllegalArgumentException("option '" + USER + "' must be a non-empty name without ':'");
        }
        Optional<JolokiaOptions.Secret> password = JolokiaOptions.secret(options, PASSWORD_FILE, PASSWORD_ENV, "the metrics password");
        if (user.isPresent() != password.isPresent()) {
            throw new IllegalArgumentException(user.isPresent()
                    ? "option '" + USER + "' needs " + PASSWORD_FILE + "=PATH or " + PASSWORD_ENV + "=VARIABLE"
                    : "a metrics password is given but no '" + USER + "'");
        }
        password.ifPresent(JolokiaOptions.Secret::read);
        if (!address.getAddress().isLoopbackAddress() && user.isEmpty()) {
            throw new IllegalArgumentException("refusing to serve metrics on " + bind + ", beyond loopback, without credentials: give "
                    + USER + "= and " + PASSWORD_FILE + "= (or " + PASSWORD_ENV + "=), or bind to 127.0.0.1");
        }
        return new MetricsOptions(address, user, password);
    }
}
