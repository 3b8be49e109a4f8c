package jobgov.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;

/**
 * The agent's {@code jolokia*} options, checked: where to listen, who may write, which access policy,
 * HTTPS, and which browser origins may call. Never holds a password given on the command line: the
 * password comes from a file or an environment variable, because {@code ps} shows agent options.
 */
record JolokiaOptions(
        InetSocketAddress address,
        Optional<String> user,
        Optional<Secret> password,
        Optional<Path> policy,
        Optional<Path> keystore,
        Optional<Secret> keystorePassword,
        List<String> corsOrigins) {

    static final String BIND = "jolokia";
    static final String USER = "jolokiaUser";
    static final String PASSWORD_FILE = "jolokiaPasswordFile";
    static final String PASSWORD_ENV = "jolokiaPasswordEnv";
    static final String POLICY = "jolokiaPolicy";
    static final String KEYSTORE = "jolokiaKeystore";
    static final String KEYSTORE_PASSWORD_FILE = "jolokiaKeystorePasswordFile";
    static final String CORS = "jolokiaCors";
    static final Set<String> KEYS = Set.of(BIND, USER, PASSWORD_FILE, PASSWORD_ENV, POLICY, KEYSTORE,
            KEYSTORE_PASSWORD_FILE, CORS);
    static final String DEFAULT_HOST = "127.0.0.1";

    /** Where a secret is read from when the server starts (the file may be rotated between restarts). */
    record Secret(String origin, Optional<Path> file, Optional<String> env) {
        char[] read() {
            try {
                String value = file.isPresent()
                        ? firstLine(Files.readString(file.get(), StandardCharsets.UTF_8))
                        : System.getenv(env.orElseThrow());
                if (value == null || value.isEmpty()) {
                    throw new IllegalArgumentException(origin + " is empty");
                }
                return value.toCharArray();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + origin + ": " + e.getMessage(), e);
            }
        }

        private static String firstLine(String text) {
            int nl = text.indexOf('\n');
            String line = nl < 0 ? text : text.substring(0, nl);
            return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        }
    }

    /** Parses and checks every option; throws IllegalArgumentException naming the first bad one. */
    static JolokiaOptions parse(Map<String, String> options) {
        for (String key : options.keySet()) {
            if (key.equals("jolokiaPassword")) {
                throw new IllegalArgumentException("option 'jolokiaPassword' is not accepted: a password on the "
                        + "command line is visible to every user through ps; use " + PASSWORD_FILE + "=PATH or "
                        + PASSWORD_ENV + "=VARIABLE");
            }
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown option '" + key + "' (Jolokia options: "
                        + String.join(", ", List.of(BIND, USER, PASSWORD_FILE, PASSWORD_ENV, POLICY, KEYSTORE,
                        KEYSTORE_PASSWORD_FILE, CORS)) + ")");
            }
        }
        String bind = options.get(BIND);
        if (bind == null || bind.isBlank()) {
            throw new IllegalArgumentException("option '" + BIND + "' needs [HOST:]PORT, e.g. jolokia=127.0.0.1:8778");
        }
        InetSocketAddress address = address(bind.trim());

        Optional<String> user = Optional.ofNullable(options.get(USER));
        if (user.isPresent() && (user.get().isBlank() || user.get().contains(":"))) {
            throw new IllegalArgumentException("option '" + USER + "' must be a non-empty name without ':'");
        }
        Optional<Secret> password = secret(options, PASSWORD_FILE, PASSWORD_ENV, "the Jolokia password");
        if (user.isPresent() != password.isPresent()) {
            throw new IllegalArgumentException(user.isPresent()
                    ? "option '" + USER + "' needs " + PASSWORD_FILE + "=PATH or " + PASSWORD_ENV + "=VARIABLE"
                    : "a Jolokia password is given but no '" + USER + "'");
        }
        password.ifPresent(Secret::read);
        if (!address.getAddress().isLoopbackAddress() && user.isEmpty()) {
            throw new IllegalArgumentException("refusing to serve Jolokia on " + bind + ", beyond loopback, "
                    + "without credentials: give " + USER + "= and " + PASSWORD_FILE + "= (or " + PASSWORD_ENV
                    + "=), or bind to 127.0.0.1");
        }

        Optional<Path> policy = Optional.ofNullable(options.get(POLICY)).map(p -> readable(POLICY, p));
        policy.ifPresent(JolokiaOptions::checkPolicy);

        Optional<Path> keystore = Optional.ofNullable(options.get(KEYSTORE)).map(p -> readable(KEYSTORE, p));
        keystore.ifPresent(k -> ownerOnly(KEYSTORE, k)); // it holds the private key
        Optional<Secret> keystorePassword = secret(options, KEYSTORE_PASSWORD_FILE, null, "the keystore password");
        if (keystore.isPresent() != keystorePassword.isPresent()) {
            throw new IllegalArgumentException(keystore.isPresent()
                    ? "option '" + KEYSTORE + "' needs " + KEYSTORE_PASSWORD_FILE + "=PATH"
                    : "option '" + KEYSTORE_PASSWORD_FILE + "' needs " + KEYSTORE + "=PATH");
        }
        keystorePassword.ifPresent(Secret::read);

        List<String> cors = new ArrayList<>();
        String corsOption = options.get(CORS);
        if (corsOption != null) {
            for (String origin : corsOption.split("[ ;|]+")) {
                if (!origin.isBlank()) {
                    cors.add(origin(origin.trim()));
                }
            }
        }
        return new JolokiaOptions(address, user, password, policy, keystore, keystorePassword, List.copyOf(cors));
    }

    boolean https() {
        return keystore.isPresent();
    }

    /** {@code PORT}, {@code HOST:PORT} or {@code [IPV6]:PORT}; the host defaults to 127.0.0.1. */
    static InetSocketAddress address(String bind) {
        return address(BIND, bind);
    }

    /** {@link #address(String)} for the option {@code key} (also the metrics endpoint's), named in every error. */
    static InetSocketAddress address(String key, String bind) {
        String host = DEFAULT_HOST;
        String port = bind;
        int colon = bind.lastIndexOf(':');
        if (bind.startsWith("[")) {
            int close = bind.indexOf(']');
            if (close < 0 || close + 1 >= bind.length() || bind.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("option '" + key + "=" + bind + "': expected [IPV6]:PORT");
            }
            host = bind.substring(1, close);
            port = bind.substring(close + 2);
        } else if (colon >= 0) {
            if (bind.indexOf(':') != colon) {
                throw new IllegalArgumentException("option '" + key + "=" + bind + "': write IPv6 hosts as [HOST]:PORT");
            }
            host = bind.substring(0, colon);
            port = bind.substring(colon + 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option '" + key + "=" + bind + "': '" + port + "' is not a port number");
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("option '" + key + "=" + bind + "': port " + p + " is out of range 0-65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host.isEmpty() ? DEFAULT_HOST : host), p);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("option '" + key + "=" + bind + "': unknown host '" + host + "'");
        }
    }

    static Optional<Secret> secret(Map<String, String> options, String fileKey, String envKey, String what) {
        String file = options.get(fileKey);
        String env = envKey == null ? null : options.get(envKey);
        if (file != null && env != null) {
            throw new IllegalArgumentException("give either '" + fileKey + "' or '" + envKey + "', not both");
        }
        if (file != null) {
            Path p = readable(fileKey, file);
            ownerOnly(fileKey, p);
            return Optional.of(new Secret(what + " file " + file + " (" + fileKey + ")", Optional.of(p), Optional.empty()));
        }
        if (env != null) {
            if (env.isBlank() || System.getenv(env) == null) {
                throw new IllegalArgumentException("option '" + envKey + "=" + env + "': no such environment variable");
            }
            return Optional.of(new Secret(what + " in $" + env + " (" + envKey + ")", Optional.empty(), Optional.of(env)));
        }
        return Optional.empty();
    }

    static Path readable(String key, String value) {
        Path p = Path.of(value);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new IllegalArgumentException("option '" + key + "=" + value + "': not a readable file");
        }
        return p;
    }

    /**
     * A file holding a secret must be readable by its owner alone, like an ssh key: one clear error at
     * start names the file and the fix. Owned by root or this process's user.
     */
    static void ownerOnly(String key, Path file) {
        int mode;
        int uid;
        try {
            Path real = file.toRealPath();
            mode = (Integer) Files.getAttribute(real, "unix:mode");
            uid = (Integer) Files.getAttribute(real, "unix:uid");
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return; // not a unix file system (Windows: its ACLs decide)
        } catch (IOException e) {
            throw new IllegalArgumentException("option '" + key + "=" + file + "': cannot check its permissions: " + e.getMessage(), e);
        }
        if ((mode & 0077) != 0) {
            throw new IllegalArgumentException("option '" + key + "=" + file + "': refused: the file holds a secret and is "
                    + ((mode & 0007) != 0 ? "open to every user" : "open to its group") + " (mode "
                    + String.format("%o", mode & 07777) + "); chmod 600 " + file);
        }
        int own = ownUid();
        if (uid != 0 && own >= 0 && uid != own) {
            throw new IllegalArgumentException("option '" + key + "=" + file + "': refused: owned by uid " + uid
                    + ", neither root nor this process's user");
        }
    }

    private static int ownUid() {
        return jobgov.job.ProcessControl.platform().ownUid();
    }

    /** A Jolokia policy must be well-formed XML with a {@code <restrict>} root: a typo must not open everything. */
    static void checkPolicy(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            Document doc = policyParser().newDocumentBuilder().parse(in);
            String root = doc.getDocumentElement().getNodeName();
            if (!root.equals("restrict")) {
                throw new IllegalArgumentException("option '" + POLICY + "=" + file + "': root element is <" + root
                        + ">, a Jolokia policy needs <restrict>");
            }
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException("option '" + POLICY + "=" + file + "': not a valid policy: " + e.getMessage(), e);
        }
    }

    static DocumentBuilderFactory policyParser() throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setExpandEntityReferences(false);
        return f;
    }

    /** An origin as browsers send it: scheme://host[:port], lower case, no path. */
    static String origin(String value) {
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option '" + CORS + "': '" + value + "' is not an origin like https://console.example.com");
        }
        if (uri.getScheme() == null || uri.getHost() == null || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))
                || value.contains("*")) {
            throw new IllegalArgumentException("option '" + CORS + "': '" + value
                    + "' is not an origin like https://console.example.com (no wildcards, no path)");
        }
        return uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getHost().toLowerCase(Locale.ROOT)
                + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
    }
}
