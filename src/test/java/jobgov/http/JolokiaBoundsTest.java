package jobgov.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.jolokia.json.parser.JSONParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one request may cost and change ({@link JolokiaHandler}, {@link Mutations}), over real HTTP against
 * this JVM's Jolokia server, for callers with and without credentials alike.
 */
class JolokiaBoundsTest {
    static final String USER = "ops";
    static final String PASSWORD = "s3cret-" + UUID.randomUUID();

    @TempDir
    Path tmp;
    final FakeJob job = new FakeJob();
    final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
    ObjectName name;
    String mbean;
    JolokiaHttpServer server;
    HttpJolokia anonymous;
    HttpJolokia operator;

    @BeforeEach
    void start() throws Exception {
        name = new ObjectName("jobgov:type=Job,name=bounds-" + UUID.randomUUID().toString().substring(0, 8));
        mbean = name.toString();
        mbeans.registerMBean(job, name);
        Path pw = GovernedJvm.writePrivate(tmp, "password", PASSWORD + "\n");
        server = JolokiaHttpServer.start(JolokiaOptions.parse(Map.of("jolokia", "127.0.0.1:0", "jolokiaUser", USER,
                "jolokiaPasswordFile", pw.toString())));
        anonymous = new HttpJolokia(server.url(), null, null);
        operator = anonymous.as(USER, PASSWORD);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            server.close();
        } finally {
            mbeans.unregisterMBean(name);
        }
    }

    List<HttpJolokia> callers() {
        return List.of(anonymous, operator);
    }

    static String bulkOf(int n, String request) {
        return IntStream.range(0, n).mapToObj(i -> request).collect(Collectors.joining(",", "[", "]"));
    }

    String write(Object value) {
        return "{\"type\":\"write\",\"mbean\":\"" + mbean + "\",\"attribute\":\"JobMemoryLimitBytes\",\"value\":" + value + "}";
    }

    @Test
    void aBulkHoldsAtMostMaxBulkRequests() throws Exception {
        for (HttpJolokia caller : callers()) {
            List<Map<String, Object>> ok = caller.bulk(bulkOf(JolokiaHandler.MAX_BULK, "{\"type\":\"version\"}"));
            assertEquals(JolokiaHandler.MAX_BULK, ok.size());
            HttpResponse<String> tooMany = caller.post(bulkOf(JolokiaHandler.MAX_BULK + 1, "{\"type\":\"version\"}"));
            assertEquals(400, tooMany.statusCode(), tooMany.body());
            assertTrue(tooMany.body().contains("at most " + JolokiaHandler.MAX_BULK), tooMany.body());
        }
    }

    @Test
    void theIssuesMegabyteOfListsIsRefusedBeforeItIsParsed() throws Exception {
        String attack = bulkOf((1 << 20) / 17, "{\"type\":\"list\"}"); // ~61,000 requests, 1 MiB
        for (HttpJolokia caller : callers()) {
            HttpResponse<String> r = caller.post(attack);
            assertEquals(413, r.statusCode(), r.body());
        }
        assertEquals(200, HttpJolokia.status(anonymous.request("{\"type\":\"read\",\"mbean\":\"" + mbean + "\",\"attribute\":\"ActiveProcesses\"}")));
    }

    @Test
    void bodiesAreCappedWithCredentialsToo() throws Exception {
        String big = "{\"type\":\"version\",\"pad\":\"" + "x".repeat(JolokiaHandler.MAX_BODY) + "\"}";
        for (HttpJolokia caller : callers()) {
            assertEquals(413, caller.post(big).statusCode());
        }
    }

    @Test
    void deeplyNestedBodiesAreRefused() throws Exception {
        String deep = "{\"type\":\"write\",\"mbean\":\"" + mbean + "\",\"attribute\":\"Label\",\"value\":"
                + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        for (HttpJolokia caller : callers()) {
            HttpResponse<String> r = caller.post(deep);
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains("nested deeper"), r.body());
        }
        assertEquals("fake", job.label);
    }

    @Test
    void aBulkOfListsStopsAtTheResponseCapWithOneError() throws Exception {
        for (HttpJolokia caller : callers()) {
            int one = caller.post("{\"type\":\"list\"}").body().length();
            int n = Math.min(JolokiaHandler.MAX_BULK, JolokiaHandler.MAX_RESPONSE / one + 2);
            // With a small MBean tree the bulk cap ends it first; both bounds are what this test is about.
            HttpResponse<String> r = caller.post(bulkOf(n, "{\"type\":\"list\",\"config\":{\"maxDepth\":0}}"));
            if ((long) n * one > JolokiaHandler.MAX_RESPONSE) {
                assertEquals(200, r.statusCode());
                assertTrue(r.body().length() < 4096, "one short error, not a partial answer: " + r.body().length() + " bytes");
                // Past the byte cap, or (on a slow machine) past the time cap first.
                assertTrue((r.body().contains("ResponseTooLarge") || r.body().contains("RequestTooSlow"))
                        && r.body().contains("\"status\":500"), r.body());
            } else {
                assertTrue(r.body().length() <= JolokiaHandler.MAX_RESPONSE, "answer of " + r.body().length());
            }
        }
    }

    @Test
    void listDepthAndSerializerLimitsCannotBeRaised() throws Exception {
        for (HttpJolokia caller : callers()) {
            for (String config : List.of("{\"maxDepth\":0}", "{\"maxDepth\":100000}", "{\"maxDepth\":0,\"openTypes\":true}")) {
                Map<String, Object> r = caller.request("{\"type\":\"list\",\"path\":\"java.lang\",\"config\":" + config + "}");
                assertEquals(200, HttpJolokia.status(r), r.toString());
                assertTrue(depth(r.get("value")) <= JolokiaHandler.MAX_DEPTH + 1, config + ": depth " + depth(r.get("value")));
            }
            HttpResponse<String> get = caller.get("list/java.lang?maxDepth=0&openTypes=true");
            assertTrue(depth(new JSONParser().parse(get.body())) <= JolokiaHandler.MAX_DEPTH + 2, get.body().length() + " bytes");
            Map<String, Object> shallow = caller.request("{\"type\":\"list\",\"config\":{\"maxDepth\":1}}");
            assertEquals(1, depth(shallow.get("value")), "a smaller depth is still honoured");
        }
    }

    static int depth(Object o) {
        if (o instanceof Map<?, ?> m) {
            return 1 + m.values().stream().mapToInt(JolokiaBoundsTest::depth).max().orElse(0);
        }
        if (o instanceof List<?> l) {
            return 1 + l.stream().mapToInt(JolokiaBoundsTest::depth).max().orElse(0);
        }
        return 0;
    }

    @Test
    void jsonpIsNeverServed() throws Exception {
        for (HttpJolokia caller : callers()) {
            for (HttpResponse<String> r : List.of(caller.get("version?callback=steal"),
                    caller.get("read/java.lang:type=Runtime/Uptime?callback=steal&mimeType=text/javascript"),
                    caller.post("{\"type\":\"version\"}?".substring(0, 18)))) {
                assertFalse(r.headers().firstValue("Content-Type").orElse("").contains("javascript"), r.headers().map().toString());
                assertFalse(r.body().startsWith("steal("), r.body());
            }
            assertEquals(400, caller.get("version?callback=steal").statusCode());
        }
    }

    @Test
    void anOperationWithTheWrongArgumentCountIsRefused() throws Exception {
        for (HttpJolokia caller : List.of(operator)) {
            HttpResponse<String> two = caller.post("{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"terminate\",\"arguments\":[1,2]}");
            assertEquals(400, two.statusCode(), two.body());
            assertTrue(two.body().contains("takes 1 argument"), two.body());
            HttpResponse<String> get = caller.get("exec/" + mbean + "/terminate/1/2");
            assertEquals(400, get.statusCode(), get.body());
            HttpResponse<String> signature = caller.post("{\"type\":\"exec\",\"mbean\":\"" + mbean
                    + "\",\"operation\":\"terminate(int)\",\"arguments\":[1,\"x\"]}");
            assertEquals(400, signature.statusCode(), signature.body());
        }
        assertEquals(0, job.terminations.get());
    }

    @Test
    void aBulkAppliesAllOfItsWritesOrNone() throws Exception {
        String terminate = "{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"terminate\",\"arguments\":[1]}";
        for (String bad : List.of(
                write("\"lots\""),                                                       // cannot be converted
                "{\"type\":\"write\",\"mbean\":\"" + mbean + "\",\"attribute\":\"Label\",\"value\":\"x\"}", // not allowed
                "{\"type\":\"write\",\"mbean\":\"jobgov:type=Job,name=none\",\"attribute\":\"JobMemoryLimitBytes\",\"value\":1}",
                "{\"type\":\"write\",\"mbean\":\"" + mbean + "\",\"attribute\":\"ActiveProcesses\",\"value\":1}", // read-only
                "{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"terminate\",\"arguments\":[1,2]}",
                "{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"terminate\",\"arguments\":[\"soon\"]}",
                "{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"nothing\",\"arguments\":[]}")) {
            for (String bulk : List.of("[" + write(1024) + "," + bad + "]", "[" + terminate + "," + write(1024) + "," + bad + "]",
                    "[" + bad + "," + write(1024) + "]")) {
                HttpResponse<String> r = operator.post(bulk);
                assertEquals(400, r.statusCode(), bulk + " -> " + r.body());
                assertTrue(r.body().contains("nothing in this bulk was applied"), r.body());
                assertEquals(64L << 20, job.memoryLimit, bulk);
                assertEquals(0, job.terminations.get(), bulk);
            }
        }
        // A write that fails only when applied (the setter throws): the earlier write is set back.
        HttpResponse<String> late = operator.post("[" + write(1024) + "," + write(-1) + "]");
        assertEquals(400, late.statusCode(), late.body());
        assertTrue(late.body().contains("undone"), late.body());
        assertEquals(64L << 20, job.memoryLimit);

        List<Map<String, Object>> good = operator.bulk("[" + write(2048) + "," + terminate + "]");
        assertEquals(List.of(200, 200), good.stream().map(HttpJolokia::status).toList());
        assertEquals(2048, job.memoryLimit);
        assertEquals(1, job.terminations.get());
    }

    @Test
    void theHostSurvivesManyBulksOfListsAtOnce() throws Exception {
        String bulk = bulkOf(JolokiaHandler.MAX_BULK, "{\"type\":\"list\",\"config\":{\"maxDepth\":0}}");
        List<Thread> senders = IntStream.range(0, 8).mapToObj(i -> new Thread(() -> {
            try {
                for (int k = 0; k < 3; k++) {
                    (i % 2 == 0 ? anonymous : operator).post(bulk);
                }
            } catch (Exception ignored) {
                // a refused or cut connection is fine; the server must live
            }
        })).toList();
        senders.forEach(Thread::start);
        for (Thread t : senders) {
            t.join();
        }
        // Work the clients gave up on still runs (each bulk bounded in bytes and time); then reads answer.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(180)).ignoreExceptions().until(() ->
                ((Number) anonymous.request("{\"type\":\"read\",\"mbean\":\"" + mbean
                        + "\",\"attribute\":\"ActiveProcesses\"}").get("value")).intValue() == 3);
    }

    @Test
    void pidsAndOtherAnswersStillWork() throws Exception {
        Files.size(tmp.resolve("password"));
        Map<String, Object> v = anonymous.request("{\"type\":\"version\"}");
        assertEquals(200, HttpJolokia.status(v));
    }
}
