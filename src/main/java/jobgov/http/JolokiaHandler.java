package jobgov.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jolokia.json.JSONArray;
import org.jolokia.json.JSONObject;
import org.jolokia.json.parser.JSONParser;
import org.jolokia.jvmagent.ParsedUri;
import org.jolokia.server.core.http.HttpRequestHandler;
import org.jolokia.server.core.request.BadRequestException;
import org.jolokia.server.core.request.JolokiaRequest;
import org.jolokia.server.core.request.JolokiaRequestFactory;
import org.jolokia.server.core.request.ProcessingParameters;
import org.jolokia.server.core.service.api.JolokiaContext;
import org.jolokia.server.core.util.RequestType;

/**
 * jobgov's Jolokia endpoint in place of Jolokia's own {@code JolokiaHttpHandler}: the same protocol, with
 * every request's cost bounded whoever the caller is, so that no request can exhaust the host's heap.
 *
 * <ul>
 * <li>a body of at most {@link #MAX_BODY} bytes, nested at most {@link #MAX_NESTING} deep, holding at most
 *     {@link #MAX_BULK} requests (else HTTP 413 or 400, before anything runs);</li>
 * <li>the serializer's limits ({@code maxDepth}, {@code maxCollectionSize}, {@code maxObjects}) and
 *     {@code list}'s depth clamped to {@link #MAX_DEPTH} and friends, whatever the request asks;</li>
 * <li>a bulk runs one request at a time and each answer is serialised at once into a buffer of at most
 *     {@link #MAX_RESPONSE} bytes; past it the serialising stops and the whole answer is one error;</li>
 * <li>no JSONP: a {@code callback} parameter is refused (a page on any site could read MBeans with it);</li>
 * <li>writes and operations go through {@link Mutations}: wrong argument counts refused, and a bulk
 *     applies all of its writes or none.</li>
 * </ul>
 */
final class JolokiaHandler implements HttpHandler {
    static final int MAX_BODY = 256 * 1024;
    static final int MAX_NESTING = 32;
    static final int MAX_BULK = 128;
    private static final long DRAIN = 4 << 20;
    static final int MAX_RESPONSE = 4 << 20;
    /** A bulk of reads stops after this long (one with writes runs through: it is checked and all-or-none). */
    static final long MAX_BULK_MILLIS = 10_000;
    static final int MAX_DEPTH = 12;
    static final int MAX_COLLECTION_SIZE = 1000;
    static final int MAX_OBJECTS = 100_000;
    private static final Map<String, Integer> LIMITS = Map.of(
            "maxDepth", MAX_DEPTH, "maxCollectionSize", MAX_COLLECTION_SIZE, "maxObjects", MAX_OBJECTS);

    /** Requests executed at once: each may hold an answer of up to MAX_RESPONSE bytes and its objects. */
    static final int CONCURRENT = 4;
    private static final long PERMIT_WAIT_SECONDS = 30;
    private final Semaphore running = new Semaphore(CONCURRENT, true);
    private final Requests requests;
    private final Mutations mutations;
    private final String contextPath;

    JolokiaHandler(JolokiaContext context, String contextPath) {
        this.requests = new Requests(context);
        this.mutations = new Mutations(context);
        this.contextPath = contextPath;
    }

    /** Jolokia's request handler with its one-request entry point opened. */
    private static final class Requests extends HttpRequestHandler {
        Requests(JolokiaContext context) {
            super(context);
        }

        JSONObject execute(JolokiaRequest request) throws Exception {
            return executeRequest(request);
        }
    }

    /** An answer other than 200: the HTTP status and a plain-text reason. */
    private static final class Refusal extends Exception {
        final int status;

        Refusal(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        RequestWorkers.working();
        try {
            serve(exchange);
        } catch (Refusal r) {
            HttpAnswers.refuse(exchange, r.status, r.getMessage());
        } catch (RuntimeException e) {
            // A request Jolokia's parts choke on (a missing field, a null): an answer, never a dropped connection.
            HttpAnswers.refuse(exchange, 400, "cannot serve this request: " + e);
        } catch (OutOfMemoryError | StackOverflowError e) {
            // This request's objects are unreachable now; the host goes on.
            HttpAnswers.refuse(exchange, 503, "the request could not be served within the memory available: " + e);
        } catch (HttpRefusal r) {
            throw r; // the request body was cut short or malformed: the server answers it
        } catch (IOException e) {
            throw e; // the client is gone
        } catch (Throwable e) {
            // Any other Error (a LinkageError in Jolokia's parts, an AssertionError): an answer, and the worker goes on.
            HttpAnswers.refuse(exchange, 500, "the request could not be served: " + e);
        } finally {
            RequestWorkers.waitingForClient();
            exchange.close();
        }
    }

    private void serve(HttpExchange exchange) throws IOException, Refusal {
        String method = exchange.getRequestMethod();
        ParsedUri uri = new ParsedUri(exchange.getRequestURI(), contextPath);
        String origin = originOrReferer(exchange.getRequestHeaders());
        try {
            requests.checkAccess(tls(exchange) ? "https" : "http", null,
                    exchange.getRemoteAddress().getAddress().getHostAddress(), origin);
        } catch (SecurityException e) {
            answerJson(exchange, json(requests.handleThrowable(e)));
            return;
        }
        if (uri.getParameter("callback") != null) {
            throw new Refusal(400, "JSONP (callback=) is not served: use a JSON request (with jolokiaCors for browsers)");
        }
        if ("OPTIONS".equalsIgnoreCase(method)) {
            requests.handleCorsPreflightRequest(origin, exchange.getRequestHeaders().getFirst("Access-Control-Request-Headers"))
                    .forEach(exchange.getResponseHeaders()::set);
            RequestWorkers.waitingForClient();
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        Map<String, String[]> parameters = clamped(uri.getParameterMap());
        List<JolokiaRequest> list = new ArrayList<>();
        boolean bulk;
        try {
            ProcessingParameters processing = requests.getProcessingParameter(parameters);
            if ("GET".equalsIgnoreCase(method)) {
                bulk = false;
                list.add(JolokiaRequestFactory.createGetRequest(uri.getPathInfo(), processing));
            } else if ("POST".equalsIgnoreCase(method)) {
                Object body = parse(exchange);
                bulk = body instanceof List<?>;
                for (Object entry : bulk ? (List<?>) body : List.of(body)) {
                    if (!(entry instanceof JSONObject request)) {
                        throw new Refusal(400, "a request is a JSON object, a bulk request an array of them");
                    }
                    clamp(request);
                    list.add(JolokiaRequestFactory.createPostRequest(request, processing));
                }
            } else {
                exchange.getResponseHeaders().set("Allow", "GET, POST, OPTIONS");
                throw new Refusal(405, "HTTP method " + method + " is not served");
            }
            if (!Caller.authenticated() && list.stream().anyMatch(r -> r.getType() == RequestType.NOTIFICATION)) {
                answerJson(exchange, json(requests.handleThrowable(new SecurityException("notification requests need credentials"))));
                return;
            }
            mutations.check(list);
        } catch (BadRequestException | IllegalArgumentException e) {
            throw new Refusal(400, e.getMessage());
        }
        byte[] answer;
        try {
            if (!running.tryAcquire(PERMIT_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new Refusal(503, "busy: " + CONCURRENT + " requests are being served; try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refusal(503, "interrupted");
        }
        try {
            answer = answer(list, bulk);
        } finally {
            running.release();
        }
        String corsOrigin = requests.extractCorsOrigin(exchange.getRequestHeaders().getFirst("Origin"));
        if (corsOrigin != null) {
            exchange.getResponseHeaders().set("Access-Control-Allow-Origin", corsOrigin);
            exchange.getResponseHeaders().set("Access-Control-Allow-Credentials", "true");
        }
        answerJson(exchange, answer);
    }

    /** Runs the requests in order, each answer serialised before the next runs. */
    private byte[] answer(List<JolokiaRequest> list, boolean bulk) throws IOException, Refusal {
        Bounded out = new Bounded(MAX_RESPONSE);
        try (Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
            if (bulk) {
                w.write('[');
            }
            Mutations.Undo undo = mutations.undo();
            boolean writes = list.stream().anyMatch(Mutations::mutating);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_BULK_MILLIS);
            for (int i = 0; i < list.size(); i++) {
                JolokiaRequest request = list.get(i);
                if (i > 0 && !writes && System.nanoTime() - deadline > 0) {
                    return json(error("jobgov.http.RequestTooSlow", "the bulk ran longer than " + MAX_BULK_MILLIS
                            + " ms after " + i + " of its " + list.size() + " requests: split it or ask for less"));
                }
                JSONObject result;
                try {
                    undo.before(request);
                    result = requests.execute(request);
                } catch (BadRequestException e) {
                    undo.run();
                    throw new Refusal(400, (bulk ? "request " + (i + 1) + " of " + list.size() + ": " : "") + e.getMessage()
                            + (undo.undid() ? " (the bulk's earlier writes were undone)" : ""));
                } catch (Exception e) {
                    result = requests.handleThrowable(e);
                }
                if (bulk && undo.failed(request, result)) {
                    undo.run();
                    throw new Refusal(400, "request " + (i + 1) + " of " + list.size() + " failed: " + result.get("error")
                            + (undo.undid() ? " (the bulk's earlier writes were undone)" : ""));
                }
                if (i > 0) {
                    w.write(',');
                }
                result.writeJSONString(w);
                w.flush();
            }
            if (bulk) {
                w.write(']');
            }
        } catch (UncheckedExceeded e) {
            return json(error("jobgov.http.ResponseTooLarge", "the answer would exceed " + MAX_RESPONSE
                    + " bytes: ask for less (a path, fewer attributes, a smaller maxDepth) or split the request"));
        }
        return out.toByteArray();
    }

    private static JSONObject error(String type, String text) {
        JSONObject error = new JSONObject();
        error.put("status", 500);
        error.put("error_type", type);
        error.put("error", text);
        return error;
    }

    /** Reads at most {@link #MAX_BODY} bytes and parses them as JSON no deeper than {@link #MAX_NESTING}. */
    private static Object parse(HttpExchange exchange) throws IOException, Refusal {
        InputStream in = exchange.getRequestBody();
        RequestWorkers.waitingForClient();
        byte[] body = in.readNBytes(MAX_BODY + 1);
        RequestWorkers.working();
        if (body.length > MAX_BODY) {
            // Read (and drop) a little more, so that a client still sending sees the answer, not a reset.
            byte[] sink = new byte[8192];
            for (long dropped = 0; dropped < DRAIN; ) {
                int n = in.read(sink);
                if (n < 0) {
                    break;
                }
                dropped += n;
            }
            throw new Refusal(413, "request body exceeds " + MAX_BODY + " bytes");
        }
        checkShape(body);
        try {
            return new JSONParser().parse(new String(body, StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new Refusal(400, "invalid JSON request: " + e.getMessage());
        }
    }

    /** Nesting and the number of requests in a bulk, counted on the bytes before any object is built. */
    static void checkShape(byte[] body) throws Refusal {
        int depth = 0;
        int topLevel = 0;
        boolean inString = false;
        boolean bulk = false;
        for (int i = 0; i < body.length; i++) {
            byte b = body[i];
            if (inString) {
                if (b == '\\') {
                    i++;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '[' || b == '{') {
                if (depth == 0) {
                    bulk = b == '[';
                }
                if (++depth > MAX_NESTING) {
                    throw new Refusal(400, "request nested deeper than " + MAX_NESTING + " levels");
                }
                if (bulk && depth == 2 && ++topLevel > MAX_BULK) {
                    throw new Refusal(400, "a bulk request holds at most " + MAX_BULK + " requests");
                }
            } else if (b == ']' || b == '}') {
                depth--;
            }
        }
    }

    /** GET/query parameters with the serializer limits no higher than ours (0 means "no limit" to Jolokia). */
    private static Map<String, String[]> clamped(Map<String, String[]> parameters) throws Refusal {
        Map<String, String[]> copy = new HashMap<>(parameters);
        for (Map.Entry<String, Integer> limit : LIMITS.entrySet()) {
            String[] given = copy.get(limit.getKey());
            copy.put(limit.getKey(), new String[] {Integer.toString(
                    clamp(limit.getKey(), given == null || given.length == 0 ? null : given[0], limit.getValue()))});
        }
        return copy;
    }

    private static void clamp(JSONObject request) throws Refusal {
        Object config = request.get("config");
        JSONObject c = config instanceof JSONObject o ? o : new JSONObject();
        if (config != null && !(config instanceof Map<?, ?>)) {
            throw new Refusal(400, "a request's \"config\" is a JSON object");
        }
        for (Map.Entry<String, Integer> limit : LIMITS.entrySet()) {
            Object given = c.get(limit.getKey());
            c.put(limit.getKey(), clamp(limit.getKey(), given == null ? null : given.toString(), limit.getValue()));
        }
        request.put("config", c);
    }

    private static int clamp(String key, String given, int max) throws Refusal {
        if (given == null || given.isBlank()) {
            return max;
        }
        int n;
        try {
            n = (int) Math.min(Integer.MAX_VALUE, Long.parseLong(given.trim().replaceFirst("\\.0+$", "")));
        } catch (NumberFormatException e) {
            throw new Refusal(400, "'" + key + "' is a number, not '" + given + "'");
        }
        return n <= 0 || n > max ? max : n;
    }

    private static boolean tls(HttpExchange exchange) {
        return exchange instanceof ServerExchange s ? s.tls() : exchange instanceof HttpsExchange;
    }

    private static String originOrReferer(Headers headers) {
        String origin = headers.getFirst("Origin");
        if (origin == null) {
            origin = headers.getFirst("Referer");
        }
        return origin == null ? null : origin.replaceAll("[\\r\\n]", "");
    }

    private static byte[] json(JSONObject o) {
        return o.toJSONString().getBytes(StandardCharsets.UTF_8);
    }

    private static void answerJson(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        RequestWorkers.waitingForClient();
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** A byte buffer that refuses to grow past its cap. */
    static final class Bounded extends ByteArrayOutputStream {
        private final int cap;

        Bounded(int cap) {
            super(8192);
            this.cap = cap;
        }

        @Override
        public synchronized void write(int b) {
            if (count + 1 > cap) {
                throw new UncheckedExceeded();
            }
            super.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            if (count + len > cap) {
                throw new UncheckedExceeded();
            }
            super.write(b, off, len);
        }
    }

    /** Thrown through the Writer: ByteArrayOutputStream's writes declare no checked exception. */
    private static final class UncheckedExceeded extends RuntimeException {
        UncheckedExceeded() {
            super("answer too large", null, false, false);
        }
    }
}
