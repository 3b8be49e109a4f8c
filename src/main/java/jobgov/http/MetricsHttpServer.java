package jobgov.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The metrics endpoint's server: GET (or HEAD) {@code /metrics}, nothing else. The guards are Jolokia's own
 * classes: {@link HostCheck} on loopback, {@link CallerAuthenticator} for the password (and its throttle), and
 * {@link BoundedHttpServer} (with {@link RequestWorkers}) for the bounded pool, client timeouts and answers to malformed requests. Unlike Jolokia, which lets anonymous callers
 * read, a scrape must carry the credentials whenever a user is configured. At most {@link #SCRAPES_AT_ONCE}
 * scrapes read the MBeans at the same time; a further one waits up to {@link #WAIT_SECONDS} s, then gets 503.
 */
final class MetricsHttpServer implements MetricsEndpoint.Server {
    private static final System.Logger LOG = System.getLogger("jobgov.http");
    static final String PATH = "/metrics";
    static final int SCRAPES_AT_ONCE = 2;
    static final long WAIT_SECONDS = 10;

    private final BoundedHttpServer server;
    private final String url;

    private MetricsHttpServer(BoundedHttpServer server, String url) {
        this.server = server;
        this.url = url;
    }

    static MetricsHttpServer start(MetricsOptions options, MetricsSource source) throws IOException {
        AtomicInteger n = new AtomicInteger();
        BoundedHttpServer server = BoundedHttpServer.bind(options.address(), null, "/",
                new Handler(source, options.user().isPresent()), r -> {
                    Thread t = new Thread(r, "jobgov-metrics-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        InetSocketAddress bound = server.address();
        boolean loopback = bound.getAddress().isLoopbackAddress();
        ServerContext http = server.context();
        try {
            if (loopback) {
                http.getFilters().add(new HostCheck()); // runs before the authenticator
            }
            if (options.user().isPresent()) {
                char[] password = options.password().orElseThrow().read();
                http.setAuthenticator(new CallerAuthenticator(options.user().get(), password));
                Arrays.fill(password, '\0');
            }
            server.start();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        // The address asked for (the JDK reports a dual-stack 0.0.0.0 as [::]), with the port bound.
        String host = options.address().getAddress().getHostAddress();
        String url = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort() + PATH;
        if (!loopback) {
            LOG.log(System.Logger.Level.WARNING, "jobgov: metrics on " + url + " take a password over plain HTTP beyond loopback");
        }
        LOG.log(System.Logger.Level.INFO, "jobgov: metrics serving " + url
                + (options.user().isPresent() ? " (scrapes need user '" + options.user().get() + "')" : ""));
        return new MetricsHttpServer(server, url);
    }

    @Override
    public String url() {
        return url;
    }

    InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() {
        server.close();
    }

    private static final class Handler implements com.sun.net.httpserver.HttpHandler {
        private final MetricsSource source;
        private final boolean credentialsRequired;
        private final Semaphore scrapes = new Semaphore(SCRAPES_AT_ONCE);

        Handler(MetricsSource source, boolean credentialsRequired) {
            this.source = source;
            this.credentialsRequired = credentialsRequired;
        }

        @Override
        public void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                RequestWorkers.working(); // the head is read; waiting for a scrape's turn is no client's fault
                String method = exchange.getRequestMethod();
                String path = exchange.getRequestURI().getRawPath();
                if (credentialsRequired && exchange.getPrincipal() == CallerAuthenticator.ANONYMOUS) {
                    exchange.getResponseHeaders().set("WWW-Authenticate",
                            "Basic realm=\"" + CallerAuthenticator.REALM + "\", charset=\"UTF-8\"");
                    text(exchange, 401, "401 credentials required\n");
                    return;
                }
                if (!PATH.equals(path) && !(PATH + "/").equals(path)) {
                    text(exchange, 404, "404 not found: the metrics are at " + PATH + "\n");
                    return;
                }
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                    text(exchange, 405, "405 " + PATH + " answers GET and HEAD only\n");
                    return;
                }
                if (!acquire()) {
                    text(exchange, 503, "503 busy: " + SCRAPES_AT_ONCE + " scrapes are running, try again\n");
                    return;
                }
                MetricsSource.Scrape scrape;
                try {
                    scrape = source.scrape(exchange.getRequestHeaders().getFirst("Accept"));
                } catch (RuntimeException | IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "jobgov: metrics scrape failed", e);
                    text(exchange, 500, "500 scrape failed: " + e.getClass().getSimpleName() + "\n");
                    return;
                } catch (OutOfMemoryError | StackOverflowError e) {
                    text(exchange, 503, "503 out of resources\n");
                    return;
                } finally {
                    scrapes.release();
                }
                exchange.getResponseHeaders().set("Content-Type", scrape.contentType());
                RequestWorkers.waitingForClient();
                if (method.equals("HEAD")) {
                    exchange.sendResponseHeaders(200, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, scrape.body().length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(scrape.body());
                }
            }
        }

        private boolean acquire() {
            try {
                return scrapes.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        private static void text(HttpExchange exchange, int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            RequestWorkers.waitingForClient();
            exchange.sendResponseHeaders(status, exchange.getRequestMethod().equals("HEAD") ? -1 : bytes.length);
            if (!exchange.getRequestMethod().equals("HEAD")) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }
}
