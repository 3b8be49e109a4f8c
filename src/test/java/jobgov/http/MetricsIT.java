package jobgov.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in metrics end to end: a governed JVM (agent option {@code metrics=}) with three children and a
 * policy, Debian's real {@code prometheus} scraping it every second, and PromQL queries over Prometheus' HTTP API
 * answering the job's processes, its limit, its events and the policy's health; then {@code jobgov run --metrics}
 * beyond loopback, where every scrape needs the credentials.
 */
class MetricsIT {
    private static final Pattern VALUE = Pattern.compile("\"value\":\\[[0-9.]+,\"([^\"]+)\"\\]");
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    @TempDir
    Path tmp;

    @Test
    void prometheusScrapesTheAgentsMetricsAndAnswersPromQl() throws Exception {
        Requirements.cgroupV1();
        Requirements.command("prometheus");
        Requirements.jobgovJar();
        String job = "prom-" + UUID.randomUUID().toString().substring(0, 8);
        int metricsPort = GovernedJvm.freePort();
        Path policy = Path.of("policies", "memory-guard.groovy").toAbsolutePath();
        try (GovernedJvm jvm = GovernedJvm.start(policy + ",name=" + job + ",param.hard=256m,await=true,metrics=127.0.0.1:" + metricsPort,
                3, List.of(), List.of())) {
            assertTrue(jvm.process.isAlive(), jvm.output.toString());
            int promPort = GovernedJvm.freePort();
            Files.writeString(tmp.resolve("prometheus.yml"), String.join("\n",
                    "global:", "  scrape_interval: 1s", "  evaluation_interval: 1s", "scrape_configs:", "  - job_name: jobgov",
                    "    static_configs:", "      - targets: ['127.0.0.1:" + metricsPort + "']", ""));
            Process prometheus = new ProcessBuilder("prometheus", "--config.file=" + tmp.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + tmp.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort)
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
            try {
                String api = "http://127.0.0.1:" + promPort + "/api/v1/query?query=";
                String sel = "{jobgov_job=\"" + job + "\"}";
                assertEquals(1, awaitValue(api, "up{job=\"jobgov\"}", v -> v == 1, prometheus), "the scrape succeeds");
                assertEquals(4, awaitValue(api, "jobgov_job_active_processes" + sel, v -> v == 4, prometheus),
                        "the JVM and its three children");
                assertEquals(256L << 20, awaitValue(api, "jobgov_job_memory_limit_bytes" + sel, v -> v > 0, prometheus),
                        "the policy's memory limit");
                assertTrue(awaitValue(api, "jobgov_job_events_total{jobgov_job=\"" + job + "\",type=\"process.new\"}", v -> v >= 3,
                        prometheus) >= 3);
                assertEquals(0, awaitValue(api, "jobgov_policy_disabled{policy=\"" + job + "\"}", v -> true, prometheus));
                assertEquals(1, awaitValue(api, "jobgov_agent_info{status=\"governed\",policy_state=\"live\"}", v -> true, prometheus));

                // one child killed: its exit is an event Prometheus sees counted
                ProcessHandle.of(jvm.children.get(0)).orElseThrow().destroyForcibly();
                String exits = "sum(jobgov_job_events_total{jobgov_job=\"" + job + "\",type=~\"process.exit|process.abnormal-exit\"})";
                assertTrue(awaitValue(api, exits, v -> v >= 1, prometheus) >= 1);
                assertEquals(3, awaitValue(api, "jobgov_job_active_processes" + sel, v -> v == 3, prometheus));
            } finally {
                prometheus.destroy();
                if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    @Test
    void runServesMetricsBeyondLoopbackOnlyWithCredentials() throws Exception {
        Requirements.cgroupV1();
        Path jar = Requirements.jobgovJar();
        int port = GovernedJvm.freePort();
        String password = "pw-" + UUID.randomUUID();
        Path pw = GovernedJvm.writePrivate(tmp, "metrics.pw", password + "\n");
        String job = "runmetrics-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "run", "--name", job, "--processes", "16", "--metrics", "0.0.0.0:" + port, "--metrics-user", "prom",
                "--metrics-password-file", pw.toString(), "--", "sleep", "120"));
        Process run = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("run.log").toFile()).start();
        try {
            String url = "http://127.0.0.1:" + port + "/metrics";
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> status(url, null) == 401);
            String auth = "Basic " + Base64.getEncoder().encodeToString(("prom:" + password).getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> ok = get(url, auth);
            assertEquals(200, ok.statusCode());
            assertTrue(ok.body().contains("jobgov_job_active_process_limit{jobgov_job=\"" + job + "\"} 16.0"), ok.body());
            // The server is up before run starts the command: wait for it to be in the job.
            await().atMost(Duration.ofSeconds(30)).until(() -> get(url, auth).body()
                    .contains("jobgov_job_active_processes{jobgov_job=\"" + job + "\"} 1.0"));
            assertTrue(Files.readString(tmp.resolve("run.log")).contains(" metrics=http://0.0.0.0:" + port + "/metrics "),
                    Files.readString(tmp.resolve("run.log")));
        } finally {
            run.destroy(); // SIGTERM: jobgov closes the job and the server
            if (!run.waitFor(30, TimeUnit.SECONDS)) {
                run.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertEquals(143, run.exitValue(), Files.readString(tmp.resolve("run.log")));
    }

    @Test
    void runRefusesMetricsBeyondLoopbackWithoutCredentials() throws Exception {
        Path jar = Requirements.jobgovJar();
        Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
                "run", "--metrics", "0.0.0.0:9", "--", "true").redirectErrorStream(true).start();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(run.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, run.exitValue(), out);
        assertTrue(out.contains("--metrics: refusing to serve metrics on 0.0.0.0:9, beyond loopback, without credentials: give "
                + "--metrics-user and --metrics-password-file"), out);
    }

    private double awaitValue(String api, String promql, java.util.function.DoublePredicate ok, Process prometheus) {
        double[] last = {Double.NaN};
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .alias(promql + " (last " + last[0] + ", prometheus alive " + prometheus.isAlive() + ")")
                .until(() -> {
                    Optional<Double> v = query(api, promql);
                    v.ifPresent(d -> last[0] = d);
                    return v.isPresent() && ok.test(v.get());
                });
        return last[0];
    }

    private Optional<Double> query(String api, String promql) throws IOException, InterruptedException {
        HttpResponse<String> r = get(api + URLEncoder.encode(promql, StandardCharsets.UTF_8), null);
        Matcher m = VALUE.matcher(r.body());
        return m.find() ? Optional.of(Double.parseDouble(m.group(1))) : Optional.empty();
    }

    private int status(String url, String auth) throws IOException, InterruptedException {
        return get(url, auth).statusCode();
    }

    private HttpResponse<String> get(String url, String auth) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
