package jobgov.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP layer in this JVM against a stand-in job MBean in the platform MBeanServer, with real
 * HTTP requests (java.net.http). The governed-JVM version of these checks is {@code JolokiaAgentIT}.
 */
class JolokiaHttpServerTest {
    static final String USER = "ops";
    static final String PASSWORD = "s3cret-" + UUID.randomUUID();

    @TempDir
    Path tmp;
    final FakeJob job = new FakeJob();
    final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
    ObjectName name;
    String mbean;
    AutoCloseable server;
    HttpJolokia anonymous;
    HttpJolokia operator;

    @BeforeEach
    void start() throws Exception {
        name = new ObjectName("jobgov:type=Job,name=http-test-" + UUID.randomUUID().toString().substring(0, 8));
        mbean = name.toString();
        mbeans.registerMBean(job, name);
        server = start(Map.of());
    }

    AutoCloseable start(Map<String, String> extra) throws Exception {
        Path pw = GovernedJvm.writePrivate(tmp, "password-" + UUID.randomUUID(), PASSWORD + "\n");
        Map<String, String> options = new HashMap<>(Map.of("jolokia", "127.0.0.1:0", "jolokiaUser", USER,
                "jolokiaPasswordFile", pw.toString()));
        options.putAll(extra);
        JolokiaHttpServer s = JolokiaHttpServer.start(JolokiaOptions.parse(options));
        anonymous = new HttpJolokia(s.url(), null, null);
        operator = anonymous.as(USER, PASSWORD);
        return s;
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            mbeans.unregisterMBean(name);
        }
    }

    @Test
    void readsCountersAndTheJvmsOwnMBeansWithoutCredentials() throws Exception {
        Map<String, Object> r = anonymous.request("{\"type\":\"read\",\"mbean\":\"" + mbean + "\",\"attribute\":\"ActiveProcesses\"}");
        assertEquals(200, HttpJolokia.status(r), r.toString());
        assertEquals(3, ((Number) r.get("value")).intValue());

        HttpResponse<String> get = anonymous.get("read/java.lang:type=Memory/HeapMemoryUsage/used");
        assertEquals(200, get.statusCode());
        assertTrue(get.body().contains("\"status\":200"), get.body());

        Map<String, Object> version = anonymous.request("{\"type\":\"version\"}");
        assertEquals(200, HttpJolokia.status(version));
    }

    @Test
    void bulkReadAnswersEachRequestInOrder() throws Exception {
        List<Map<String, Object>> answers = anonymous.bulk("[{\"type\":\"read\",\"mbean\":\"" + mbean + "\",\"attribute\":\"ActiveProcesses\"},"
                + "{\"type\":\"read\",\"mbean\":\"" + mbean + "\",\"attribute\":\"JobMemoryLimitBytes\"},"
                + "{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"HeapMemoryUsage\"},"
                + "{\"type\":\"read\",\"mbean\":\"jobgov:type=Job,name=no-such-job\",\"attribute\":\"ActiveProcesses\"}]");
        assertEquals(4, answers.size());
        assertEquals(3, ((Number) answers.get(0).get("value")).intValue());
        assertEquals(64L << 20, ((Number) answers.get(1).get("value")).longValue());
        assertEquals(200, HttpJolokia.status(answers.get(2)));
        assertEquals(404, HttpJolokia.status(answers.get(3)), answers.get(3).toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void listAndSearchShowJobgovMBeans() throws Exception {
        Map<String, Object> search = anonymous.request("{\"type\":\"search\",\"mbean\":\"jobgov:*\"}");
        assertTrue(((List<String>) search.get("value")).contains(mbean), search.toString());

        Map<String, Object> list = anonymous.request("{\"type\":\"list\",\"path\":\"jobgov\"}");
        assertEquals(200, HttpJolokia.status(list), list.toString());
        Map<String, Object> domain = (Map<String, Object>) list.get("value");
        String key = name.getKeyPropertyListString();
        assertTrue(domain.keySet().stream().anyMatch(k -> k.contains(name.getKeyProperty("name"))), domain.keySet() + " vs " + key);
    }

    @Test
    void writeWithoutCredentialsIsForbiddenAndChangesNothing() throws Exception {
        Map<String, Object> r = anonymous.request("{\"type\":\"write\",\"mbean\":\"" + mbean
                + "\",\"attribute\":\"JobMemoryLimitBytes\",\"value\":1}");
        assertEquals(403, HttpJolokia.status(r), r.toString());
        assertEquals(64L << 20, job.memoryLimit);

        Map<String, Object> exec = anonymous.request("{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"terminate\",\"arguments\":[1]}");
        assertEquals(403, HttpJolokia.status(exec), exec.toString());
        assertEquals(0, job.terminations.get());

        HttpResponse<String> get = anonymous.get("write/" + mbean + "/JobMemoryLimitBytes/1");
        assertTrue(get.body().contains("\"status\":403"), get.body());
        assertEquals(64L << 20, job.memoryLimit);
    }

    @Test
    void writeAndExecWithCredentials() throws Exception {
        Map<String, Object> r = operator.request("{\"type\":\"write\",\"mbean\":\"" + mbean
                + "\",\"attribute\":\"JobMemoryLimitBytes\",\"value\":33554432}");
        assertEquals(200, HttpJolokia.status(r), r.toString());
        assertEquals(32L << 20, job.memoryLimit);

        Map<String, Object> exec = operator.request("{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"terminate\",\"arguments\":[137]}");
        assertEquals(200, HttpJolokia.status(exec), exec.toString());
        assertEquals(1, job.terminations.get());
    }

    @Test
    void credentialsDoNotOpenWhatTheDefaultPolicyDoesNotList() throws Exception {
        // Label is writable in the MBean but not a limit; gc() is not jobgov's.
        Map<String, Object> r = operator.request("{\"type\":\"write\",\"mbean\":\"" + mbean + "\",\"attribute\":\"Label\",\"value\":\"x\"}");
        assertEquals(403, HttpJolokia.status(r), r.toString());
        assertEquals("fake", job.label);
        Map<String, Object> gc = operator.request("{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc\"}");
        assertEquals(403, HttpJolokia.status(gc), gc.toString());
        Map<String, Object> dcmd = operator.request("{\"type\":\"exec\",\"mbean\":\"com.sun.management:type=DiagnosticCommand\",\"operation\":\"vmVersion\"}");
        assertEquals(403, HttpJolokia.status(dcmd), dcmd.toString());
    }

    @Test
    void wrongPasswordIsRefusedWith401BeforeJolokia() throws Exception {
        HttpResponse<String> r = anonymous.as(USER, "wrong").post("{\"type\":\"read\",\"mbean\":\"" + mbean + "\",\"attribute\":\"ActiveProcesses\"}");
        assertEquals(401, r.statusCode());
        assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"), r.headers().toString());
        HttpResponse<String> other = anonymous.as("root", PASSWORD).get("version");
        assertEquals(401, other.statusCode());
    }

    @Test
    void badRequestsGetJolokiaErrorsAndChangeNothing() throws Exception {
        // Malformed JSON: HTTP 400 with the parser's reason.
        HttpResponse<String> malformed = operator.post("{\"type\":\"write\",\"mbean\":");
        assertEquals(400, malformed.statusCode(), malformed.body());
        assertTrue(malformed.body().contains("invalid JSON"), malformed.body());

        // Unknown MBean: HTTP 200, status 404 in the body.
        Map<String, Object> unknown = operator.request("{\"type\":\"write\",\"mbean\":\"jobgov:type=Job,name=nope\","
                + "\"attribute\":\"JobMemoryLimitBytes\",\"value\":1}");
        assertEquals(404, HttpJolokia.status(unknown), unknown.toString());

        // Values Jolokia cannot convert, wrong arity, unknown request types: Jolokia 2.6 answers HTTP 400.
        for (String body : List.of(
                "{\"type\":\"write\",\"mbean\":\"" + mbean + "\",\"attribute\":\"JobMemoryLimitBytes\",\"value\":\"lots\"}",
                "{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"terminate\",\"arguments\":[\"soon\"]}",
                "{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"terminate\",\"arguments\":[]}",
                "{\"type\":\"frobnicate\"}")) {
            HttpResponse<String> r = operator.post(body);
            assertEquals(400, r.statusCode(), body + " -> " + r.body());
        }
        // Jolokia 2.6 fails a whole bulk request with HTTP 400 when one entry cannot be converted.
        HttpResponse<String> bulk = operator.post("[{\"type\":\"write\",\"mbean\":\"" + mbean
                + "\",\"attribute\":\"JobMemoryLimitBytes\",\"value\":\"lots\"},"
                + "{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"terminate\",\"arguments\":[1]}]");
        assertEquals(400, bulk.statusCode(), bulk.body());

        assertEquals(64L << 20, job.memoryLimit);
        assertEquals(0, job.terminations.get());
    }

    @Test
    void foreignOriginsGetNoCorsAndAreRefused() throws Exception {
        HttpResponse<String> r = anonymous.get("version", "Origin", "https://evil.example");
        assertTrue(r.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), r.headers().toString());
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("\"status\":403") && r.body().contains("not allowed"), r.body());
        HttpResponse<String> plain = anonymous.get("version");
        assertTrue(plain.body().contains("\"status\":200"), plain.body());
    }

    @Test
    void jolokiaCorsAllowsExactlyTheNamedOrigin() throws Exception {
        server.close();
        server = start(Map.of("jolokiaCors", "http://console.example:8080"));
        HttpResponse<String> ok = anonymous.get("version", "Origin", "http://console.example:8080");
        assertEquals("http://console.example:8080", ok.headers().firstValue("Access-Control-Allow-Origin").orElse(null), ok.headers().map() + ok.body());
        assertTrue(ok.body().contains("\"status\":200"), ok.body());
        HttpResponse<String> other = anonymous.get("version", "Origin", "http://console.example");
        assertNull(other.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
    }

    @Test
    void aUserPolicyReplacesJobgovsButAnonymousCallersStillOnlyRead() throws Exception {
        server.close();
        Path policy = tmp.resolve("policy.xml");
        Files.writeString(policy, "<restrict><commands><command>read</command><command>write</command>"
                + "<command>version</command></commands></restrict>");
        server = start(Map.of("jolokiaPolicy", policy.toString()));
        // No <allow>: Jolokia's meaning, every attribute writable by the authenticated user...
        Map<String, Object> label = operator.request("{\"type\":\"write\",\"mbean\":\"" + mbean + "\",\"attribute\":\"Label\",\"value\":\"x\"}");
        assertEquals(200, HttpJolokia.status(label), label.toString());
        assertEquals("x", job.label);
        // ...exec is not among the commands...
        Map<String, Object> exec = operator.request("{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"terminate\",\"arguments\":[1]}");
        assertEquals(403, HttpJolokia.status(exec), exec.toString());
        // ...and without credentials still nothing but reads.
        Map<String, Object> anon = anonymous.request("{\"type\":\"write\",\"mbean\":\"" + mbean + "\",\"attribute\":\"Label\",\"value\":\"y\"}");
        assertEquals(403, HttpJolokia.status(anon), anon.toString());
        assertEquals("x", job.label);
        Map<String, Object> search = anonymous.request("{\"type\":\"search\",\"mbean\":\"jobgov:*\"}");
        assertEquals(403, HttpJolokia.status(search), "search is not in the user's <commands>: " + search);
    }

    @Test
    void withoutAUserTheServerIsReadOnly() throws Exception {
        server.close();
        JolokiaHttpServer s = JolokiaHttpServer.start(JolokiaOptions.parse(Map.of("jolokia", "127.0.0.1:0")));
        server = s;
        HttpJolokia client = new HttpJolokia(s.url(), null, null);
        Map<String, Object> read = client.request("{\"type\":\"read\",\"mbean\":\"" + mbean + "\",\"attribute\":\"ActiveProcesses\"}");
        assertEquals(200, HttpJolokia.status(read));
        Map<String, Object> write = client.request("{\"type\":\"write\",\"mbean\":\"" + mbean + "\",\"attribute\":\"JobMemoryLimitBytes\",\"value\":1}");
        assertEquals(403, HttpJolokia.status(write));
        // Credentials are meaningless here: there is no user to match.
        assertEquals(64L << 20, job.memoryLimit);
    }

    @Test
    void servesHttpsWithTheGivenKeystore() throws Exception {
        server.close();
        Path ks = tmp.resolve("server.p12");
        Path ksPassword = GovernedJvm.writePrivate(tmp, "ks-password", "changeit-" + UUID.randomUUID() + "\n");
        String storePass = Files.readString(ksPassword).trim();
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "jobgov", "-keyalg", "EC", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", storePass)
                .redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes());
        assertEquals(0, keytool.waitFor(), out);
        Files.setPosixFilePermissions(ks, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        server = start(Map.of("jolokiaKeystore", ks.toString(), "jolokiaKeystorePasswordFile", ksPassword.toString()));
        assertTrue(anonymous.url.startsWith("https://127.0.0.1:"), anonymous.url);

        java.security.KeyStore trust = java.security.KeyStore.getInstance(ks.toFile(), storePass.toCharArray());
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        HttpJolokia https = new HttpJolokia(anonymous.url, USER, PASSWORD,
                java.net.http.HttpClient.newBuilder().sslContext(tls).build());
        Map<String, Object> r = https.request("{\"type\":\"write\",\"mbean\":\"" + mbean
                + "\",\"attribute\":\"JobMemoryLimitBytes\",\"value\":16777216}");
        assertEquals(200, HttpJolokia.status(r), r.toString());
        assertEquals(16L << 20, job.memoryLimit);
    }

    @Test
    void everyThreadItStartsIsADaemon() throws Exception {
        anonymous.request("{\"type\":\"version\"}");
        Set<String> nonDaemons = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !t.isDaemon())
                .map(Thread::getName)
                .filter(n -> n.contains("jolokia") || n.contains("HTTP-Dispatcher") || n.startsWith("pool-"))
                .collect(Collectors.toSet());
        assertTrue(nonDaemons.isEmpty(), "non-daemon threads: " + nonDaemons);
    }
}
