package jobgov.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.jolokia.core.api.LogHandler;
import org.jolokia.server.core.config.StaticConfiguration;
import org.jolokia.server.core.service.JolokiaServiceManagerFactory;
import org.jolokia.server.core.service.api.JolokiaContext;
import org.jolokia.server.core.service.api.JolokiaServiceManager;
import org.jolokia.server.core.service.impl.ClasspathServiceCreator;
import org.w3c.dom.Document;

/**
 * The running Jolokia endpoint: jobgov's {@link BoundedHttpServer}, our authenticator, {@link Caller},
 * and Jolokia's request handler with our {@link AccessRestrictor}.
 *
 * <p>Assembled from Jolokia's parts rather than through its {@code JolokiaServer}, so that the
 * restrictor is an object we built (never a class or policy file looked up by name, where the host's
 * own {@code jolokia-access.xml} could be found) and so that the caller's identity can reach the
 * restrictor. Every thread it starts is a daemon: it never keeps the host JVM alive.
 */
final class JolokiaHttpServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("jobgov.http");
    static final String CONTEXT = "/jolokia";
    static final String DEFAULT_POLICY = "/jobgov/http/jolokia-access.xml";

    private final BoundedHttpServer server;
    private final JolokiaServiceManager services;
    private final String url;

    private JolokiaHttpServer(BoundedHttpServer server, JolokiaServiceManager services, String url) {
        this.server = server;
        this.services = services;
        this.url = url;
    }

    static JolokiaHttpServer start(JolokiaOptions options) throws IOException {
        ClassLoader own = JolokiaHttpServer.class.getClassLoader();
        Thread self = Thread.currentThread();
        ClassLoader previous = self.getContextClassLoader();
        // Jolokia looks some services up through the context loader: make it ours, never the host's.
        self.setContextClassLoader(own);
        try {
            return assemble(options, own);
        } finally {
            self.setContextClassLoader(previous);
        }
    }

    private static JolokiaHttpServer assemble(JolokiaOptions options, ClassLoader own) throws IOException {
        byte[] policyXml = options.policy().isPresent()
                ? Files.readAllBytes(options.policy().get())
                : defaultPolicy();
        Document policyDoc;
        try {
            policyDoc = JolokiaOptions.policyParser().newDocumentBuilder().parse(new ByteArrayInputStream(policyXml));
        } catch (Exception e) {
            throw new IllegalArgumentException("access policy " + options.policy().map(Object::toString).orElse(DEFAULT_POLICY)
                    + " is not valid XML: " + e.getMessage(), e);
        }
        AccessRestrictor restrictor = new AccessRestrictor(policyXml, policyDoc, options.corsOrigins());

        // Our own MBeans are named jolokia:type=...,agent=AGENTID: a host's own Jolokia keeps its names.
        String agentId = "jobgov-" + ProcessHandle.current().pid();
        StaticConfiguration config = new StaticConfiguration(pairs(
                "agentContext", CONTEXT,
                "agentId", agentId,
                "agentDescription", "jobgov",
                // Pinned although our restrictor never reads it: nothing may pick up the host's policy file.
                "policyLocation", "classpath:" + DEFAULT_POLICY,
                "discoveryEnabled", "false",
                "disableDetectors", "true",
                "includeStackTrace", "false",
                "serializeException", "false",
                // Not even on request: stack traces and serialised exceptions describe the host's internals.
                "allowErrorDetails", "false",
                // Hard limits of the serializer (a request may ask for less, never more); see JolokiaHandler.
                "maxDepth", Integer.toString(JolokiaHandler.MAX_DEPTH),
                "maxCollectionSize", Integer.toString(JolokiaHandler.MAX_COLLECTION_SIZE),
                "maxObjects", Integer.toString(JolokiaHandler.MAX_OBJECTS),
                // No JSR-160 proxying to other JVMs, no multicast discovery; SSE would start non-daemon threads.
                "disabledServices", "org.jolokia.service.jsr160.Jsr160RequestHandler,"
                        + "org.jolokia.service.discovery.JolokiaDiscovery,"
                        + "org.jolokia.service.discovery.DiscoveryMulticastResponder,"
                        + "org.jolokia.service.notif.sse.SseNotificationBackend"));
        JolokiaServiceManager services = JolokiaServiceManagerFactory.createJolokiaServiceManager(
                config, new Log(), restrictor, log -> new TreeSet<>());
        services.addServices(new ClasspathServiceCreator(own, "services"));

        JolokiaContext context = services.start();
        BoundedHttpServer server;
        try {
            server = BoundedHttpServer.bind(options.address(), options.https() ? tls(options) : null, CONTEXT, null, daemons(own));
        } catch (IOException | RuntimeException e) {
            services.stop();
            throw e;
        }
        try {
            return serve(server, services, context, options);
        } catch (RuntimeException | Error e) {
            server.close();
            services.stop();
            throw e;
        }
    }

    private static JolokiaHttpServer serve(BoundedHttpServer server, JolokiaServiceManager services, JolokiaContext context,
                                           JolokiaOptions options) {
        InetSocketAddress bound = server.address();
        String host = bound.getAddress().getHostAddress();
        String url = (options.https() ? "https" : "http") + "://" + (host.contains(":") ? "[" + host + "]" : host)
                + ":" + bound.getPort() + CONTEXT + "/";
        context.getAgentDetails().updateAgentParameters(url, options.user().isPresent());

        ServerContext http = server.context();
        http.setHandler(Caller.around(new JolokiaHandler(context, CONTEXT)));
        if (bound.getAddress().isLoopbackAddress()) {
            http.getFilters().add(new HostCheck()); // runs before the authenticator
        }
        if (options.user().isPresent()) {
            char[] password = options.password().orElseThrow().read();
            http.setAuthenticator(new CallerAuthenticator(options.user().get(), password));
            Arrays.fill(password, '\0');
        }
        server.start();
        if (!options.https() && !bound.getAddress().isLoopbackAddress()) {
            LOG.log(System.Logger.Level.WARNING, "jobgov: Jolokia on " + url + " takes passwords over plain HTTP beyond "
                    + "loopback: give jolokiaKeystore= for HTTPS");
        }
        LOG.log(System.Logger.Level.INFO, "jobgov: Jolokia serving " + url + (options.user().isPresent()
                ? " (writes and operations for user '" + options.user().get() + "')"
                : " (read-only: no jolokiaUser given)"));
        return new JolokiaHttpServer(server, services, url);
    }

    private static Map<String, String> pairs(String... keysAndValues) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            m.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    private static SSLContext tls(JolokiaOptions options) throws IOException {
        char[] password = options.keystorePassword().orElseThrow().read();
        try {
            KeyStore keys = KeyStore.getInstance(options.keystore().orElseThrow().toFile(), password);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(kmf.getKeyManagers(), null, null);
            return tls;
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot use keystore " + options.keystore().get() + ": " + e.getMessage(), e);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static byte[] defaultPolicy() throws IOException {
        try (InputStream in = JolokiaHttpServer.class.getResourceAsStream(DEFAULT_POLICY)) {
            if (in == null) {
                throw new IOException("jobgov's default access policy " + DEFAULT_POLICY + " is missing from the jar");
            }
            return in.readAllBytes();
        }
    }

    private static ThreadFactory daemons(ClassLoader loader) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "jobgov-jolokia-" + n.incrementAndGet());
            t.setDaemon(true);
            t.setContextClassLoader(loader);
            return t;
        };
    }

    String url() {
        return url;
    }

    InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() {
        server.close();
        services.stop();
    }

    /** The server underneath (tests: its connection counts). */
    BoundedHttpServer server() {
        return server;
    }

    /** Jolokia's log lines go to System.Logger "jobgov.http". */
    private static final class Log implements LogHandler {
        @Override
        public void debug(String message) {
            LOG.log(System.Logger.Level.DEBUG, message);
        }

        @Override
        public void info(String message) {
            LOG.log(System.Logger.Level.DEBUG, message);
        }

        @Override
        public void error(String message, Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "jobgov: Jolokia: " + message, t);
        }

        @Override
        public boolean isDebug() {
            return LOG.isLoggable(System.Logger.Level.DEBUG);
        }
    }
}
