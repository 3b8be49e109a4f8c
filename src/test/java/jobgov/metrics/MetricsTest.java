package jobgov.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jobgov.job.Job;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;
import jobgov.jmx.JobMBeans;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics endpoint in this JVM over a real job of the degraded backend (it needs no root) registered as its
 * MBean, scraped with real HTTP: both text formats, the job's limits, counters and events, and the guards (Host,
 * credentials, methods, paths). The governed-JVM and Prometheus version is {@code jobgov.http.MetricsIT}.
 */
class MetricsTest {
    static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    final String jobName = "metrics-test-" + UUID.randomUUID().toString().substring(0, 8);
    @TempDir
    Path tmp;
    Job job;
    AutoCloseable mbean;
    Metrics metrics;
    Process child;

    @BeforeEach
    void start() {
        var degraded = Jobs.backends().stream().filter(b -> b.name().equals("degraded")).findFirst().orElseThrow();
        job = Job.create(degraded, JobSpec.named(jobName));
    }

    @AfterEach
    void stop() throws Exception {
        if (child != null) {
            child.destroyForcibly().waitFor();
        }
        if (metrics != null) {
            metrics.close();
        }
        if (mbean != null) {
            mbean.close();
        }
        job.close();
    }

    private void serve(Map<String, String> options) {
        metrics = Metrics.count(options);
        mbean = JobMBeans.register(job); // after count: the job's first events are counted
        metrics.serve();
    }

    @Test
    void servesTheJobInThePrometheusTextFormatAndCountsItsEvents() throws Exception {
        serve(Map.of("metrics", "127.0.0.1:0"));
        child = job.start(new ProcessBuilder("sleep", "60"));
        String label = "{jobgov_job=\"" + jobName + "\",type=\"process.new\"}";
        await().atMost(Duration.ofSeconds(30)).until(() -> get(null).body().contains("jobgov_job_events_total" + label + " 1.0"));

        HttpResponse<String> r = get(null);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"), r.headers().toString());
        Map<String, Double> s = samples(r.body());
        String job = "{jobgov_job=\"" + jobName + "\"}";
        assertEquals(1.0, s.get("jobgov_job_info{backend=\"degraded\",jobgov_job=\"" + jobName + "\",limits=\"\"}"), r.body());
        assertEquals(1.0, s.get("jobgov_job_active_processes" + job), r.body());
        assertEquals(0.0, s.get("jobgov_job_memory_limit_bytes" + job), "a limit that is not set reads 0");
        assertEquals(1.0, s.get("jobgov_job_kill_on_close" + job));
        assertEquals(0.0, s.get("jobgov_job_events_total{jobgov_job=\"" + jobName + "\",type=\"limit.job-memory\"}"),
                "every kind the MBean declares starts at 0");
        assertFalse(s.containsKey("jobgov_job_memory_used_bytes" + job), "the degraded backend cannot read memory (-1): left out");
        for (String line : r.body().split("\n")) {
            assertTrue(line.startsWith("#") || SAMPLE.matcher(line).matches(), "not a sample line: " + line);
        }
    }

    @Test
    void prometheusGetsOpenMetricsWhenItAsksForIt() throws Exception {
        serve(Map.of("metrics", "127.0.0.1:0"));
        HttpResponse<String> r = send(request("/metrics")
                .header("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5").build());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text; version=1.0.0"));
        assertTrue(r.body().endsWith("# EOF\n"), r.body());
        assertTrue(r.body().contains("# TYPE jobgov_job_events counter"), r.body());
    }

    @Test
    void aClosedJobLeavesTheScrape() throws Exception {
        serve(Map.of("metrics", "127.0.0.1:0"));
        assertTrue(get(null).body().contains(jobName));
        mbean.close();
        String body = get(null).body();
        assertFalse(body.contains(jobName), body);
    }

    @Test
    void onlyGetAndHeadOfMetricsAnswer() throws Exception {
        serve(Map.of("metrics", "127.0.0.1:0"));
        assertEquals(405, send(request("/metrics").POST(HttpRequest.BodyPublishers.ofString("x")).build()).statusCode());
        assertEquals(404, send(request("/").build()).statusCode());
        assertEquals(404, send(request("/metrics-and-more").build()).statusCode());
        assertEquals(404, send(request("/jolokia/").build()).statusCode());
        HttpResponse<String> head = send(request("/metrics").method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    @Test
    void aLoopbackServerAnswersOnlyLoopbackHostNames() throws Exception {
        serve(Map.of("metrics", "127.0.0.1:0"));
        assertEquals(200, rawStatus("localhost"));
        assertEquals(200, rawStatus("127.0.0.1:1234"));
        assertEquals(403, rawStatus("attacker.example"), "DNS rebinding: a foreign Host is refused");
        assertEquals(403, rawStatus("127.0.0.1.attacker.example"));
    }

    @Test
    void withAUserEveryScrapeNeedsTheCredentials() throws Exception {
        Path pw = secret("p4ss-" + UUID.randomUUID());
        String password = Files.readString(pw).trim();
        serve(Map.of("metrics", "127.0.0.1:0", "metricsUser", "prom", "metricsPasswordFile", pw.toString()));
        HttpResponse<String> anonymous = get(null);
        assertEquals(401, anonymous.statusCode());
        assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm=\"jobgov\""));
        assertEquals(401, get(basic("prom", "wrong")).statusCode());
        assertEquals(401, get(basic("other", password)).statusCode());
        HttpResponse<String> ok = get(basic("prom", password));
        assertEquals(200, ok.statusCode());
        assertTrue(ok.body().contains(jobName));
    }

    @Test
    void badOptionsAreRefusedBeforeAnythingStarts() throws Exception {
        Path pw = secret("x");
        Path open = tmp.resolve("open");
        Files.writeString(open, "x\n");
        Map<String, String> cases = new HashMap<>();
        cases.put("metrics=0.0.0.0:0", "beyond loopback, without credentials");
        cases.put("metrics=127.0.0.1:70000", "out of range");
        cases.put("metrics=", "needs [HOST:]PORT");
        cases.put("metrics=1,metricsUser=prom", "needs metricsPasswordFile");
        cases.put("metrics=1,metricsPasswordFile=" + pw, "no 'metricsUser'");
        cases.put("metrics=1,metricsUser=prom,metricsPasswordFile=" + open, "chmod 600");
        cases.put("metrics=1,metricsPassword=x", "visible to every user through ps");
        cases.put("metrics=1,metricsTypo=x", "unknown option 'metricsTypo'");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Map<String, String> options = new HashMap<>();
            for (String kv : c.getKey().split(",")) {
                options.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Metrics.validate(options), c.getKey());
            assertTrue(e.getMessage().contains(c.getValue()), c.getKey() + ": " + e.getMessage());
        }
    }

    private Path secret(String password) throws IOException {
        Path p = tmp.resolve("pw-" + UUID.randomUUID());
        Files.writeString(p, password + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        return p;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(metrics.url().replace("/metrics", path))).timeout(Duration.ofSeconds(30));
    }

    private HttpResponse<String> get(String authorization) throws Exception {
        HttpRequest.Builder b = request("/metrics");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return send(b.build());
    }

    private HttpResponse<String> send(HttpRequest r) throws Exception {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    /** java.net.http sets Host itself: a raw socket sends the one a rebinding browser would. */
    private int rawStatus(String host) throws IOException {
        URI u = URI.create(metrics.url());
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /metrics HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(status.substring(9, 12));
        }
    }

    /** Sample lines as "name{labels}" to value. */
    static Map<String, Double> samples(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.matches()) {
                out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
            }
        }
        return out;
    }
}
