package jobgov.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;
import org.jolokia.json.parser.JSONParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded fuzz of malformed requests against jobgov's Jolokia over real sockets, with and without credentials:
 * bad and truncated JSON, wrong Content-Length, huge heads, slowloris, bad UTF-8, deep nesting, wrong types in
 * every field, bulk mixes, chunked bodies good and bad, bad methods, paths, versions and query strings. Every one
 * must get an HTTP answer (never a dropped connection), below 500, with a JSON body; and afterwards the server
 * still answers. {@code -Djobgov.fuzz.seed=N} replays a run, {@code -Djobgov.fuzz.cases=N} makes it longer.
 */
class JolokiaFuzzTest {
    static final String USER = "ops";
    static final String PASSWORD = "fuzz-" + UUID.randomUUID();
    static final long SEED = Long.getLong("jobgov.fuzz.seed", 0x10b60fL);
    static final int CASES = Integer.getInteger("jobgov.fuzz.cases", 400);
    static final int IO_TIMEOUT = 1500;

    @TempDir
    Path tmp;
    JolokiaHttpServer server;
    String auth;
    Random random;

    @BeforeEach
    void start() throws Exception {
        Path pw = GovernedJvm.writePrivate(tmp, "password", PASSWORD + "\n");
        System.setProperty("jobgov.http.ioTimeoutMillis", Integer.toString(IO_TIMEOUT));
        try {
            server = JolokiaHttpServer.start(JolokiaOptions.parse(Map.of("jolokia", "127.0.0.1:0", "jolokiaUser", USER,
                    "jolokiaPasswordFile", pw.toString())));
        } finally {
            System.clearProperty("jobgov.http.ioTimeoutMillis");
        }
        auth = "Authorization: Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)) + "\r\n";
        random = new Random(SEED);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** What came back on one connection: the status and body of each answer, in order. */
    record Answer(int status, String contentType, String body) {
    }

    @Test
    void everyMalformedRequestGetsAJsonAnswerBelow500() throws Exception {
        List<Supplier<byte[]>> kinds = kinds();
        for (int i = 0; i < CASES; i++) {
            int kind = random.nextInt(kinds.size());
            byte[] request = kinds.get(kind).get();
            String what = "seed " + SEED + " case " + i + " kind " + kind + ": " + show(request);
            List<Answer> answers = exchange(request, true);
            assertFalse(answers.isEmpty(), "no answer (a dropped connection) for " + what);
            for (Answer a : answers) {
                assertTrue(a.status() >= 200 && a.status() < 500, "HTTP " + a.status() + " " + a.body() + " for " + what);
                if (a.status() != 200 || !a.body().isEmpty()) {
                    assertTrue(a.contentType().startsWith("application/json"), "content type " + a.contentType() + " for " + what);
                    Object json = new JSONParser().parse(a.body());
                    assertTrue(json instanceof Map || json instanceof List, a.body() + " for " + what);
                    if (a.status() != 200) {
                        assertEquals((long) a.status(), ((Map<?, ?>) json).get("status"), a.body() + " for " + what);
                    }
                }
            }
        }
        assertServing();
    }

    @Test
    void aSlowOrSilentClientGets408AndTheServerGoesOn() throws Exception {
        for (String partial : List.of("GET /jolokia/version HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                "POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "Content-Length: 100\r\n\r\n{\"type\":",
                "POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"typ")) {
            List<Answer> answers = exchange(partial.getBytes(StandardCharsets.ISO_8859_1), false);
            assertEquals(1, answers.size(), partial);
            assertEquals(408, answers.get(0).status(), answers.get(0).body());
        }
        // A client dribbling its head byte by byte, each byte within the read timeout, is cut off too.
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            byte[] head = "GET /jolokia/version HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
            out.write(head);
            String answer = null;
            for (int i = 0; i < 100 && answer == null; i++) {
                try {
                    out.write('a');
                    out.flush();
                    s.setSoTimeout(IO_TIMEOUT / 3);
                    answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                } catch (SocketTimeoutException stillReading) {
                    // not yet
                } catch (IOException closed) {
                    break;
                }
            }
            assertTrue(answer != null && answer.startsWith("HTTP/1.1 408"), String.valueOf(answer));
        }
        assertServing();
    }

    @Test
    void keepAliveAnswersEveryRequestOnOneConnectionWithNoDelay() throws Exception {
        long before = server.server().connections();
        StringBuilder requests = new StringBuilder();
        int n = 20;
        for (int i = 0; i < n; i++) {
            String body = i % 2 == 0 ? "{\"type\":\"version\"}" : "{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"HeapMemoryUsage\"}";
            requests.append("POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ")
                    .append(body.length()).append("\r\n\r\n").append(body);
        }
        // One after the other on the same connection, each answer read before the next request is sent.
        try (Socket s = connect()) {
            String[] each = requests.toString().split("(?=POST /jolokia/)");
            assertEquals(n, each.length);
            InputStream in = s.getInputStream();
            for (String r : each) {
                s.getOutputStream().write(r.getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                Answer a = readAnswer(in);
                assertEquals(200, a.status(), a.body());
            }
        }
        assertEquals(before + 1, server.server().connections(), "all " + n + " round trips on one connection");
        assertEquals(0, server.server().connectionsWithoutNoDelay(), "TCP_NODELAY is set on every connection");
    }

    @Test
    void aRequestCutShortByTheClientIsAnsweredNotDropped() throws Exception {
        // The client half-closes: the body ends before its Content-Length / last chunk.
        for (String r : List.of(
                "POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\n{\"type\":\"version\"}",
                "POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n12\r\n{\"type\":\"version\"}\r\n",
                "POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
                "POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "Transfer-Encoding: chunked\r\n\r\nffffffff\r\n{}",
                "GET /jolokia/version HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "x".repeat(40_000) + "\r\n\r\n",
                "GET /jolokia/version HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "X-Many: 1\r\n".repeat(200) + "\r\n",
                "GET /jolokia/" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) {
            List<Answer> answers = exchange(r.getBytes(StandardCharsets.ISO_8859_1), true);
            assertEquals(1, answers.size(), show(r.getBytes(StandardCharsets.ISO_8859_1)));
            int status = answers.get(0).status();
            assertTrue(status >= 400 && status < 500, status + " " + answers.get(0).body());
        }
        assertServing();
    }

    void assertServing() throws Exception {
        List<Answer> a = exchange("GET /jolokia/version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII), true);
        assertEquals(1, a.size());
        assertEquals(200, a.get(0).status(), a.get(0).body());
        assertTrue(a.get(0).body().contains("\"status\":200"), a.get(0).body());
    }

    Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", server.address().getPort()), 5000);
        s.setSoTimeout(30_000);
        return s;
    }

    /** Sends {@code request} on a fresh connection (then half-closes if asked) and reads every answer until the server closes. */
    List<Answer> exchange(byte[] request, boolean halfClose) throws IOException {
        try (Socket s = connect()) {
            try {
                s.getOutputStream().write(request);
                s.getOutputStream().flush();
                if (halfClose) {
                    s.shutdownOutput();
                }
            } catch (IOException refusedWhileSending) {
                // the server answered and closed before taking it all: its answer is still to be read
            }
            List<Answer> answers = new ArrayList<>();
            InputStream in = s.getInputStream();
            try {
                for (Answer a = readAnswer(in); a != null; a = readAnswer(in)) {
                    answers.add(a);
                }
            } catch (SocketTimeoutException e) {
                fail("the server neither answered nor closed within 30 s: " + show(request));
            } catch (IOException reset) {
                // a reset after the answers: they count, a reset before any is a dropped connection
            }
            return answers;
        }
    }

    /** One HTTP answer (status line, headers, body by Content-Length or chunks), or null at the end of the stream. */
    static Answer readAnswer(InputStream in) throws IOException {
        String status = line(in);
        while (status != null && status.startsWith("HTTP/1.1 100 ")) { // an interim answer to Expect: 100-continue
            line(in);
            status = line(in);
        }
        if (status == null) {
            return null;
        }
        if (!status.matches("HTTP/1\\.1 [0-9]{3} .*")) {
            throw new AssertionError("not a status line: " + status);
        }
        long length = -1;
        boolean chunked = false;
        String type = "";
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
            String lower = h.toLowerCase();
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(h.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("content-type:")) {
                type = h.substring(13).trim();
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (int n = Integer.parseInt(line(in).trim(), 16); n > 0; n = Integer.parseInt(line(in).trim(), 16)) {
                body.write(in.readNBytes(n));
                line(in);
            }
            line(in);
        } else if (length >= 0) {
            body.write(in.readNBytes((int) length));
        } else {
            body.write(in.readAllBytes());
        }
        return new Answer(Integer.parseInt(status.substring(9, 12)), type, body.toString(StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    static String show(byte[] request) {
        String s = new String(request, 0, Math.min(request.length, 300), StandardCharsets.ISO_8859_1)
                .replace("\r", "\\r").replace("\n", "\\n").replaceAll("[^\\x20-\\x7e]", "?");
        return request.length > 300 ? s + "... (" + request.length + " bytes)" : s;
    }

    // ---- generators ----

    static final String[] GOOD = {
        "{\"type\":\"version\"}",
        "{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"HeapMemoryUsage\",\"path\":\"used\"}",
        "{\"type\":\"list\",\"path\":\"java.lang\"}",
        "{\"type\":\"search\",\"mbean\":\"java.lang:*\"}",
        "{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc\",\"arguments\":[]}",
        "{\"type\":\"write\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"Verbose\",\"value\":false}",
        "{\"type\":\"notification\",\"command\":\"register\"}",
        "[{\"type\":\"version\"},{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\"Uptime\"}]",
    };
    static final String[] FIELDS = {"type", "mbean", "attribute", "value", "operation", "arguments", "path", "config", "command", "client", "mode", "handle", "target", "filter"};

    String pick(String... options) {
        return options[random.nextInt(options.length)];
    }

    String junkValue() {
        return switch (random.nextInt(12)) {
            case 0 -> "null";
            case 1 -> Long.toString(random.nextLong());
            case 2 -> "1e999";
            case 3 -> "-0.0";
            case 4 -> "true";
            case 5 -> "[]";
            case 6 -> "{}";
            case 7 -> "[1,[2,{\"a\":null}]]";
            case 8 -> "\"" + "x".repeat(random.nextInt(5000)) + "\"";
            case 9 -> "\"\\ud800\\u0000\"";
            case 10 -> "{\"maxDepth\":\"deep\",\"maxObjects\":-1}";
            default -> "\"" + pick("read", "write", "exec", "list", "search", "version", "notification", "", "READ", "*:*", "java.lang:type=Runtime") + "\"";
        };
    }

    String wrongTypes() {
        StringBuilder sb = new StringBuilder("{");
        int n = 1 + random.nextInt(6);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append('"').append(FIELDS[random.nextInt(FIELDS.length)]).append("\":").append(junkValue());
        }
        return sb.append('}').toString();
    }

    byte[] mutate(byte[] b) {
        byte[] m = b.clone();
        int flips = 1 + random.nextInt(4);
        for (int i = 0; i < flips && m.length > 0; i++) {
            m[random.nextInt(m.length)] = (byte) random.nextInt(256);
        }
        return m;
    }

    String nested(int depth) {
        return random.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth) : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    String credentials() {
        return switch (random.nextInt(4)) {
            case 0 -> "";
            case 1 -> auth;
            case 2 -> "Authorization: Basic " + Base64.getEncoder().encodeToString(("x:" + random.nextInt()).getBytes(StandardCharsets.UTF_8)) + "\r\n";
            default -> "Authorization: " + pick("Basic !!!", "Bearer x", "Basic ", "Basic " + "A".repeat(3000)) + "\r\n";
        };
    }

    byte[] post(byte[] body, String extraHeaders) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String head = "POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + credentials() + extraHeaders
                + "Content-Length: " + body.length + "\r\n\r\n";
        out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }

    byte[] post(String body) {
        return post(body.getBytes(StandardCharsets.UTF_8), "");
    }

    byte[] raw(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    List<Supplier<byte[]>> kinds() {
        List<Supplier<byte[]>> k = new ArrayList<>();
        // 0 bad JSON: a good request with bytes flipped
        k.add(() -> post(mutate(pick(GOOD).getBytes(StandardCharsets.UTF_8)), ""));
        // 1 truncated JSON with a matching length
        k.add(() -> {
            String g = pick(GOOD);
            return post(g.substring(0, random.nextInt(g.length())));
        });
        // 2 wrong Content-Length: shorter than the body (the rest is then a malformed next request) or longer (cut by the half-close)
        k.add(() -> {
            byte[] body = pick(GOOD).getBytes(StandardCharsets.UTF_8);
            long claimed = random.nextBoolean() ? random.nextInt(body.length) : body.length + 1 + random.nextInt(1000);
            String len = pick(Long.toString(claimed), "-1", "abc", "1 2", "0x10", "99999999999999999999", claimed + ", " + claimed, "");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(raw("POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\n" + credentials() + "Content-Length: " + len + "\r\n\r\n"));
            out.writeBytes(body);
            return out.toByteArray();
        });
        // 3 huge or many headers, or a huge request line
        k.add(() -> switch (random.nextInt(3)) {
            case 0 -> raw("GET /jolokia/version HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: " + "h".repeat(8000 + random.nextInt(60_000)) + "\r\n\r\n");
            case 1 -> raw("GET /jolokia/version HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "X-N: v\r\n".repeat(90 + random.nextInt(300)) + "\r\n");
            default -> raw("GET /jolokia/read/" + "r".repeat(8000 + random.nextInt(20_000)) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        });
        // 4 bad UTF-8 in the body, a header or the path
        k.add(() -> switch (random.nextInt(3)) {
            case 0 -> post(new byte[] {'{', '"', 't', 'y', 'p', 'e', '"', ':', '"', (byte) 0xc3, (byte) 0x28, (byte) 0xff, '"', '}'}, "");
            case 1 -> post(pick(GOOD).getBytes(StandardCharsets.UTF_8), "X-Bad: \u00ff\u00fe\u0080\r\n");
            default -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes(raw("GET /jolokia/read/"));
                out.writeBytes(new byte[] {(byte) 0xe2, (byte) 0x82, '/', (byte) 0xc0, (byte) 0xaf});
                out.writeBytes(raw(" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
                yield out.toByteArray();
            }
        });
        // 5 deep nesting, inside a request or as a whole body
        k.add(() -> random.nextBoolean() ? post(nested(20 + random.nextInt(20_000)))
                : post("{\"type\":\"write\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"Verbose\",\"value\":" + nested(10 + random.nextInt(40)) + "}"));
        // 6 wrong types in every field, alone or in a bulk
        k.add(() -> random.nextBoolean() ? post(wrongTypes()) : post("[" + wrongTypes() + "," + wrongTypes() + "]"));
        // 7 bulk mixes: good and bad entries, non-objects, empty
        k.add(() -> {
            StringBuilder sb = new StringBuilder("[");
            int n = random.nextInt(10);
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(switch (random.nextInt(4)) {
                    case 0 -> pick(GOOD).startsWith("[") ? "{\"type\":\"version\"}" : pick(GOOD);
                    case 1 -> wrongTypes();
                    case 2 -> junkValue();
                    default -> "{\"type\":\"write\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"Verbose\",\"value\":\"notaboolean\"}";
                });
            }
            return post(sb.append(']').toString());
        });
        // 8 chunked bodies: good, bad sizes, extensions, missing end, wrong lengths
        k.add(() -> {
            String body = pick(GOOD);
            String chunks = switch (random.nextInt(6)) {
                case 0 -> Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
                case 1 -> Integer.toHexString(body.length()) + ";ext=1\r\n" + body + "\r\n0\r\nX-Trailer: t\r\n\r\n";
                case 2 -> pick("g", "-1", "", " ", "1ffffffffff", "0x5") + "\r\n" + body + "\r\n0\r\n\r\n";
                case 3 -> Integer.toHexString(body.length() + 5) + "\r\n" + body + "\r\n0\r\n\r\n";
                case 4 -> Integer.toHexString(body.length()) + "\r\n" + body; // no end
                default -> Integer.toHexString(Math.max(1, body.length() - 3)) + "\r\n" + body + "\r\n0\r\n\r\n";
            };
            String te = pick("chunked", "chunked", "gzip", "chunked, chunked", "identity", "CHUNKED");
            return raw("POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\n" + credentials() + "Transfer-Encoding: " + te + "\r\n"
                    + (random.nextInt(5) == 0 ? "Content-Length: 3\r\n" : "") + "\r\n" + chunks);
        });
        // 9 bad methods
        k.add(() -> raw(pick("PUT", "DELETE", "PATCH", "TRACE", "CONNECT", "get", "G@T", "", "POST POST", "\u00e9", "OPTIONS")
                + " /jolokia/version HTTP/1.1\r\nHost: 127.0.0.1\r\n" + credentials() + "Content-Length: 0\r\n\r\n"));
        // 10 bad paths and targets
        k.add(() -> raw("GET " + pick("*", "http://127.0.0.1/jolokia/", "/", "/jolokia", "/jolokiax", "/other/", "/jolokia/../etc/passwd",
                "/jolokia/read/%zz", "/jolokia/read/%", "/jolokia/read/a%00b", "/jolokia/read/java.lang:type=Memory/HeapMemoryUsage/%2e%2e",
                "/jolokia/exec/java.lang:type=Memory/gc", "/jolokia/write/java.lang:type=Memory/Verbose/true", "//", "/jolokia/read/<script>",
                "/jolokia/list/" + "a/".repeat(500), "/jolokia/read/\u00e4\u00f6", "/jolokia/search/*:*", "/jolokia/notification/register", "")
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + credentials() + "\r\n"));
        // 11 query strings
        k.add(() -> raw("GET /jolokia/" + pick("version", "read/java.lang:type=Memory", "list", "") + "?"
                + pick("maxDepth=abc", "maxDepth=-5", "maxObjects=99999999999999999999", "callback=x", "ignoreErrors=maybe", "mimeType=text/html",
                "canonicalNaming=2", "serializeException=true", "includeStackTrace=true", "p=%zz", "=&&=", "q=" + "q".repeat(5000),
                "maxCollectionSize=1.5", "ifModifiedSince=soon", "listKeys=x&listCache=y", "allowErrorDetails=true")
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + credentials() + "\r\n"));
        // 12 bad versions, request lines and header lines
        k.add(() -> raw(pick("GET /jolokia/version HTTP/2.0\r\n", "GET /jolokia/version\r\n", "GET /jolokia/version HTTP/1.1 extra\r\n",
                "GET  /jolokia/version HTTP/1.1\r\n", "\r\n\r\n", "GET /jolokia/version HTTP/1.1\r\nNoColon\r\n",
                "GET /jolokia/version HTTP/1.1\r\n: empty\r\n", "GET /jolokia/version HTTP/1.1\r\n folded: x\r\n",
                "GET /jolokia/version HTTP/1.1\r\nBad Name: x\r\n", "GET /jolokia/version HTTP/1.1\r\nX: a\u0001b\r\n",
                "PRI * HTTP/2.0\r\n\r\nSM\r\n", "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003",
                "GET /jolokia/version HTTP/1.0\r\n", "GET /jolokia/version HTTP/1.1\r\nExpect: 100-continue\r\n")
                + "Host: 127.0.0.1\r\n\r\n"));
        // 13 keep-alive: a good request, then a malformed one on the same connection
        k.add(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(post("{\"type\":\"version\"}"));
            byte[] second = random.nextBoolean() ? post(mutate(pick(GOOD).getBytes(StandardCharsets.UTF_8)), "") : raw("GARBAGE\r\n\r\n");
            out.writeBytes(second);
            return out.toByteArray();
        });
        // 14 large bodies: over the cap, or random bytes
        k.add(() -> {
            byte[] body = new byte[random.nextBoolean() ? JolokiaHandler.MAX_BODY + 1 + random.nextInt(100_000) : random.nextInt(4000)];
            random.nextBytes(body);
            return post(body, "");
        });
        // 15 Expect: 100-continue with a body, good or bad
        k.add(() -> post(random.nextBoolean() ? pick(GOOD).getBytes(StandardCharsets.UTF_8) : mutate(pick(GOOD).getBytes(StandardCharsets.UTF_8)),
                "Expect: 100-continue\r\n"));
        return k;
    }
}
