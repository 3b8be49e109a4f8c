package jobgov.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jolokia.json.parser.JSONParser;

/**
 * Who sent the HTTP request being handled on this thread: an authenticated user or nobody.
 *
 * <p>Jolokia's restrictor decides per attribute and operation but is never told the user.
 * {@link #around(HttpHandler)} wraps Jolokia's handler, which runs after the context's authenticator
 * (a context's filters would run before it) and handles a request, bulk or not, on the calling thread;
 * it publishes the exchange's principal here for {@link AccessRestrictor} to read.
 *
 * <p>Jolokia 2.6 runs notification commands (register a client, add a listener) without asking the
 * restrictor, and each creates state on the server; so the wrapper refuses them itself to callers
 * without credentials.
 */
final class Caller {
    private static final ThreadLocal<HttpPrincipal> CURRENT = new ThreadLocal<>();
    private static final int MAX_BODY = 1 << 20;

    private Caller() {
    }

    static boolean authenticated() {
        return authenticated(CURRENT.get());
    }

    private static boolean authenticated(HttpPrincipal p) {
        return p != null && p != CallerAuthenticator.ANONYMOUS;
    }

    static HttpHandler around(HttpHandler jolokia) {
        return exchange -> {
            HttpPrincipal principal = exchange.getPrincipal();
            if (!authenticated(principal) && asksForNotifications(exchange)) {
                refuse(exchange);
                return;
            }
            CURRENT.set(principal);
            try {
                jolokia.handle(exchange);
            } finally {
                CURRENT.remove();
            }
        };
    }

    /** GET .../jolokia/notification/..., or a POST body with a request of type "notification". */
    private static boolean asksForNotifications(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if ("GET".equalsIgnoreCase(method)) {
            String path = exchange.getRequestURI().getPath();
            String rest = path.length() > JolokiaHttpServer.CONTEXT.length() ? path.substring(JolokiaHttpServer.CONTEXT.length()) : "";
            String query = exchange.getRequestURI().getQuery();
            return rest.replaceFirst("^/+", "").toLowerCase().startsWith("notification")
                    || (query != null && query.contains("p=") && query.toLowerCase().contains("notification"));
        }
        if (!"POST".equalsIgnoreCase(method)) {
            return false;
        }
        byte[] body = exchange.getRequestBody().readNBytes(MAX_BODY + 1);
        exchange.setStreams(new ByteArrayInputStream(body), null); // Jolokia reads the same bytes
        if (body.length > MAX_BODY) {
            return true; // nobody without credentials needs a megabyte of requests
        }
        Object parsed;
        try {
            parsed = new JSONParser().parse(new String(body, StandardCharsets.UTF_8));
        } catch (Exception malformed) {
            return false; // Jolokia answers with its own error
        }
        List<?> requests = parsed instanceof List<?> list ? list : List.of(parsed);
        return requests.stream().anyMatch(r -> r instanceof Map<?, ?> m && "notification".equalsIgnoreCase(String.valueOf(m.get("type"))));
    }

    private static void refuse(HttpExchange exchange) throws IOException {
        byte[] answer = ("{\"status\":403,\"error_type\":\"java.lang.SecurityException\","
                + "\"error\":\"notification requests need credentials\"}").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(200, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }
}
