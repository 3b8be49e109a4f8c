package jobgov.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's guards around Jolokia, over real sockets: half-sent requests ({@link RequestWorkers}), the
 * Host header ({@link HostCheck}), password guessing ({@link LoginThrottle}) and the JDK MBeans that hold
 * secrets ({@link AccessRestrictor#sensitive}).
 */
class JolokiaGuardsTest {
    static final String USER = "ops";
    static final String PASSWORD = "s3cret-" + UUID.randomUUID();

    @TempDir
    Path tmp;
    JolokiaHttpServer server;
    HttpJolokia anonymous;
    HttpJolokia operator;
    final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Path pw = GovernedJvm.writePrivate(tmp, "password", PASSWORD + "\n");
        server = JolokiaHttpServer.start(JolokiaOptions.parse(Map.of("jolokia", "127.0.0.1:0", "jolokiaUser", USER,
                "jolokiaPasswordFile", pw.toString())));
        anonymous = new HttpJolokia(server.url(), null, null);
        operator = anonymous.as(USER, PASSWORD);
    }

    @AfterEach
    void stop() {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closed already
            }
        }
        server.close();
    }

    Socket connect() throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(new InetSocketAddress("127.0.0.1", server.address().getPort()), 5000);
        s.setSoTimeout(60_000);
        return s;
    }

    /** One raw HTTP/1.1 exchange on a fresh connection; returns the status line. */
    String raw(String request) throws IOException {
        Socket s = connect();
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        return answer.isEmpty() ? "" : answer.substring(0, answer.indexOf("\r\n"));
    }

    String get(String host, String extraHeaders) throws IOException {
        return raw("GET /jolokia/version HTTP/1.1\r\n" + (host == null ? "" : "Host: " + host + "\r\n") + extraHeaders
                + "Connection: close\r\n\r\n");
    }

    @Test
    void halfSentRequestsNeitherStallTheServerNorStayForever() throws Exception {
        List<Socket> half = new ArrayList<>();
        for (int i = 0; i < 6; i++) { // heads cut short
            Socket s = connect();
            s.getOutputStream().write("GET /jolokia/version HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            half.add(s);
        }
        for (int i = 0; i < 6; i++) { // bodies cut short, with and without credentials
            Socket s = connect();
            String auth = i % 2 == 0 ? "" : "Authorization: Basic " + java.util.Base64.getEncoder()
                    .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)) + "\r\n";
            s.getOutputStream().write(("POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth
                    + "Content-Length: 1000\r\n\r\n{\"type\":").getBytes(StandardCharsets.US_ASCII));
            half.add(s);
        }
        // The server answers others meanwhile, well before the stuck ones are cut off.
        for (int i = 0; i < 3; i++) {
            assertEquals(200, HttpJolokia.status(anonymous.request("{\"type\":\"version\"}")));
            assertEquals(200, HttpJolokia.status(operator.request("{\"type\":\"version\"}")));
        }
        // And every half-sent connection is closed by the server after its read timeout.
        for (Socket s : half) {
            await().atMost(Duration.ofSeconds(90)).until(() -> closedByServer(s));
        }
        assertEquals(200, HttpJolokia.status(anonymous.request("{\"type\":\"version\"}")));
    }

    /** The server answered (a 408 JSON refusal, see JolokiaFuzzTest) and closed the connection. */
    static boolean closedByServer(Socket s) {
        try {
            InputStream in = s.getInputStream();
            s.setSoTimeout(200);
            byte[] buf = new byte[4096];
            while (in.read(buf) >= 0) {
                // the answer, up to the end of the stream
            }
            return true;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Test
    void aFloodOfConnectionsIsRefusedNotQueuedWithoutEnd() throws Exception {
        for (int i = 0; i < RequestWorkers.THREADS + RequestWorkers.QUEUE + 20; i++) {
            Socket s = connect();
            OutputStream out = s.getOutputStream();
            try {
                out.write("GET /jolokia/version HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (SocketException closed) {
                // refused already: what this test wants
            }
        }
        // Past the queue the server closes new connections; once the timeouts free the workers it serves again.
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                .until(() -> HttpJolokia.status(anonymous.request("{\"type\":\"version\"}")) == 200);
    }

    @Test
    void onLoopbackOnlyLoopbackHostNamesAreAnswered() throws Exception {
        int port = server.address().getPort();
        for (String ok : List.of("127.0.0.1", "127.0.0.1:" + port, "localhost", "localhost:" + port, "[::1]:" + port, "LOCALHOST")) {
            assertTrue(get(ok, "").contains(" 200"), ok + " -> " + get(ok, ""));
        }
        assertTrue(get(null, "").contains(" 200"), "no Host: no browser");
        String auth = "Authorization: Basic " + java.util.Base64.getEncoder()
                .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)) + "\r\n";
        for (String bad : List.of("evil.example", "evil.example:" + port, "127.0.0.1.evil.example", "localhost.evil.example",
                "127.0.0.1:" + port + "@evil", "[::1].evil", "0x7f000001", "localhost:80x", "")) {
            assertTrue(get(bad, "").contains(" 403"), bad + " -> " + get(bad, ""));
            assertTrue(get(bad, auth).contains(" 403"), bad + " with credentials -> " + get(bad, auth));
        }
    }

    @Test
    void passwordGuessesAreThrottledPerAddress() throws Exception {
        HttpJolokia guesser = anonymous.as(USER, "wrong");
        int checked = 0;
        int throttled = 0;
        for (int i = 0; i < 50; i++) {
            HttpResponse<String> r = guesser.get("version");
            if (r.statusCode() == 401) {
                checked++;
            } else {
                assertEquals(429, r.statusCode(), r.body());
                assertTrue(r.headers().firstValue("Retry-After").isPresent());
                throttled++;
            }
        }
        assertTrue(checked <= LoginThrottle.FREE_FAILURES + 6, checked + " of 50 guesses were checked");
        assertTrue(throttled > 0);
        // While closed even the right password waits; reads without credentials go on.
        assertEquals(200, anonymous.get("version").statusCode());
        assertEquals(429, operator.get("version").statusCode());
        // It opens again after the backoff, and the right password resets it.
        await().atMost(Duration.ofSeconds(LoginThrottle.MAX_BACKOFF_SECONDS + 30))
                .until(() -> operator.get("version").statusCode() == 200);
        assertEquals(401, guesser.get("version").statusCode());
    }

    @Test
    void secretsOfTheJdkAreNotReadWithoutCredentials() throws Exception {
        String secret = "secret-" + UUID.randomUUID();
        System.setProperty("jobgov.test.secret", secret);
        try {
            for (String attribute : List.of("SystemProperties", "InputArguments", "ClassPath")) {
                Map<String, Object> r = anonymous.request("{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\"" + attribute + "\"}");
                assertEquals(403, HttpJolokia.status(r), r.toString());
            }
            for (String body : List.of("{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\"}",
                    "{\"type\":\"read\",\"mbean\":\"java.lang:*\"}", "{\"type\":\"read\",\"mbean\":\"*:*\"}",
                    "{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":[\"Uptime\",\"SystemProperties\"]}",
                    "{\"type\":\"read\",\"mbean\":\"com.sun.management:type=HotSpotDiagnostic\"}",
                    "{\"type\":\"read\",\"mbean\":\"com.sun.management:type=DiagnosticCommand\"}")) {
                for (HttpJolokia caller : List.of(anonymous, operator)) {
                    HttpResponse<String> r = caller.post(body);
                    assertFalse(r.body().contains(secret), body + " showed a system property");
                    assertFalse(r.body().contains("-Xmx") || r.body().contains("\"DiagnosticOptions\""), body + ": " + r.body().length());
                }
            }
            assertFalse(anonymous.get("read/java.lang:type=Runtime/SystemProperties").body().contains(secret));
            for (String op : List.of("{\"type\":\"exec\",\"mbean\":\"com.sun.management:type=HotSpotDiagnostic\",\"operation\":\"dumpHeap\",\"arguments\":[\"/tmp/x.hprof\",true]}",
                    "{\"type\":\"exec\",\"mbean\":\"com.sun.management:type=DiagnosticCommand\",\"operation\":\"vmSystemProperties\",\"arguments\":[]}")) {
                assertEquals(403, HttpJolokia.status(anonymous.request(op)));
                assertEquals(403, HttpJolokia.status(operator.request(op)));
            }
            Map<String, Object> uptime = anonymous.request("{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\"Uptime\"}");
            assertEquals(200, HttpJolokia.status(uptime), "the rest of Runtime stays readable");
        } finally {
            System.clearProperty("jobgov.test.secret");
        }
    }
}
