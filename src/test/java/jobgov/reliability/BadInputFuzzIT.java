package jobgov.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.management.Attribute;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import jobgov.agent.AgentOptions;
import jobgov.http.Jolokia;
import jobgov.jmx.JobMBeans;
import jobgov.job.Job;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;
import jobgov.job.LimitSpec;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Thousands of seeded random inputs at every door (agent options, {@code Job.setLimits}, the Job MBean,
 * Jolokia request bodies): each is accepted or refused with a clear one-line error; a refused request
 * changes no limit (neither the job's view nor the kernel's files); the host stays up.
 */
class BadInputFuzzIT {
    private static final long SEED = 20261124L;
    private final String prefix = Leftovers.prefix();

    @AfterEach
    void cleanUp() {
        Leftovers.cleanUp(prefix, null);
    }

    @Test
    void randomAgentOptionStringsParseOrFailWithAClearMessage() {
        RandomInput in = new RandomInput(SEED);
        int refused = 0;
        for (int i = 0; i < 5000; i++) {
            String options = in.agentOptions();
            try {
                AgentOptions.parse(options);
            } catch (IllegalArgumentException e) {
                refused++;
                assertClear(options, e);
            } catch (RuntimeException e) {
                fail("agent options '" + options + "': " + e.getClass().getName() + " instead of a clear IllegalArgumentException", e);
            }
        }
        System.out.println("agent options: 5000 random strings, " + refused + " refused with a clear error");
        assertTrue(refused > 0 && refused < 5000, "the generator makes both good and bad options");
    }

    /**
     * The failure rule: options the parser refuses stop the start before main (exit 1, one jobgov line); options it
     * accepts run main, unless their limits cannot be put in force, which also stops the start with one line.
     */
    @Test
    void randomAgentOptionsEitherRunMainOrStopBeforeItWithOneLine() throws Exception {
        Requirements.cgroupV1();
        Path jar = Requirements.jobgovJar();
        String classes = System.getProperty("jobgov.testClasses", "target/test-classes");
        RandomInput in = new RandomInput(SEED + 1);
        int ran = 0;
        int refused = 0;
        for (int i = 0; i < 12; i++) {
            // our own job name last (options naming one too are refused as a duplicate), so whatever they make is found and removed
            String options = in.agentOptions();
            String arg = (options.isEmpty() ? "" : options + ",") + "name=" + prefix + "-" + i;
            boolean parses;
            try {
                AgentOptions.parse(arg).validate();
                parses = true;
            } catch (IllegalArgumentException e) {
                parses = false;
            }
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-javaagent:" + jar.toAbsolutePath() + "=" + arg, "-cp", classes, "jobgov.bench.Hello").start();
            java.util.concurrent.CompletableFuture<String> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getErrorStream().readAllBytes());
                } catch (java.io.IOException e) {
                    return e.toString();
                }
            });
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "host JVM still running with options " + arg);
            String stderr = err.get(60, TimeUnit.SECONDS);
            if (p.exitValue() == 0) {
                assertTrue(parses, "options the parser refuses ran main: '" + arg + "'");
                assertTrue(out.contains("main-at "), "the host's main did not run with options '" + arg + "':\n" + out + stderr);
                ran++;
            } else {
                assertEquals(1, p.exitValue(), "options '" + arg + "':\n" + out + stderr);
                assertFalse(out.contains("main-at "), "main ran although the start was stopped: '" + arg + "'");
                List<String> ours = stderr.lines().filter(l -> l.contains("jobgov")).toList();
                assertEquals(1, ours.size(), "one line for options '" + arg + "': " + stderr);
                assertTrue(ours.get(0).startsWith("jobgov: "), ours.get(0));
                assertTrue(parses ? ours.get(0).contains("not applied") : ours.get(0).contains("bad agent options"), ours.get(0));
                refused++;
            }
        }
        System.out.println("agent options in a real JVM: " + ran + " ran main, " + refused + " stopped before it");
    }

    @Test
    void randomLimitSpecsThroughTheJobApiChangeNothingWhenRefused() throws Exception {
        Leftovers.kernelBackend();
        RandomInput in = new RandomInput(SEED + 2);
        int accepted = 0;
        try (Job job = Jobs.create(new JobSpec(prefix, null, LimitSpec.parse("memory=64m,processes=32")))) {
            for (int i = 0; i < 3000; i++) {
                String spec = in.limitSpec();
                JobLimits before = job.limits();
                List<String> kernelBefore = kernel(job);
                try {
                    job.setLimits(spec);
                    accepted++;
                    assertEquals(LimitSpec.apply(spec, before), job.limits(), "accepted '" + spec + "'");
                } catch (IllegalArgumentException | JobException e) {
                    assertClear(spec, e);
                    assertEquals(before, job.limits(), "refused '" + spec + "' changed the job's limits");
                    assertEquals(kernelBefore, kernel(job), "refused '" + spec + "' changed the kernel's limits");
                }
                if (i % 100 == 0) {
                    job.setLimits(LimitSpec.parse("memory=64m,processes=32"));
                }
            }
        }
        System.out.println("Job.setLimits: 3000 random specs, " + accepted + " accepted");
        assertTrue(accepted > 0, "some random specs are valid");
    }

    @Test
    void randomLimitsThroughTheJobMBeanChangeNothingWhenRefused() throws Exception {
        Leftovers.kernelBackend();
        RandomInput in = new RandomInput(SEED + 3);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        List<String> attributes = List.of("JobMemoryLimitBytes", "ProcessMemoryLimitBytes", "ActiveProcessLimit", "CpuRateLimitPercent", "CpuWeight", "Affinity");
        int refused = 0;
        try (Job job = Jobs.create(new JobSpec(prefix, null, LimitSpec.parse("memory=64m,processes=32")));
             AutoCloseable mbean = JobMBeans.register(job)) {
            ObjectName name = new ObjectName("jobgov:type=Job,name=" + prefix);
            for (int i = 0; i < 2000; i++) {
                JobLimits before = job.limits();
                List<String> kernelBefore = kernel(job);
                String what;
                try {
                    if (in.random.nextBoolean()) {
                        String spec = in.limitSpec();
                        what = "setLimits(" + spec + ")";
                        server.invoke(name, "setLimits", new Object[] {spec}, new String[] {String.class.getName()});
                    } else {
                        String attribute = in.pick(attributes);
                        Object value = switch (attribute) {
                            case "ActiveProcessLimit", "CpuWeight" -> in.random.nextInt(200) - 20;
                            case "CpuRateLimitPercent" -> in.random.nextDouble() * 140 - 20;
                            case "Affinity" -> in.value();
                            default -> in.random.nextBoolean() ? in.random.nextLong() : (long) in.random.nextInt(1 << 30) - 1000;
                        };
                        what = attribute + "=" + value;
                        server.setAttribute(name, new Attribute(attribute, value));
                    }
                } catch (JMException | RuntimeException e) {
                    refused++;
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    assertNotNull(cause.getMessage(), "a refusal without a message");
                    assertEquals(before, job.limits(), "a refused MBean request changed the job's limits");
                    assertEquals(kernelBefore, kernel(job), "a refused MBean request changed the kernel's limits");
                }
                if (i % 100 == 0) {
                    job.setLimits(LimitSpec.parse("memory=64m,processes=32"));
                }
            }
        }
        System.out.println("Job MBean: 2000 random writes, " + refused + " refused");
        assertTrue(refused > 0, "the generator makes bad requests");
    }

    @Test
    void randomJolokiaBodiesGetAnswersAndChangeNothingWhenRefused() throws Exception {
        Leftovers.kernelBackend();
        RandomInput in = new RandomInput(SEED + 4);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI url = URI.create("http://127.0.0.1:" + port + "/jolokia/");
        int refused = 0;
        try (Job job = Jobs.create(new JobSpec(prefix, null, LimitSpec.parse("memory=64m,processes=32")));
             AutoCloseable mbean = JobMBeans.register(job);
             AutoCloseable server = Jolokia.start(Map.of("jolokia", "127.0.0.1:" + port))) {
            String mbeanName = "jobgov:type=Job,name=" + prefix;
            for (int i = 0; i < 2000; i++) {
                String body = jolokiaBody(in, mbeanName);
                JobLimits before = job.limits();
                List<String> kernelBefore = kernel(job);
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(20))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertFalse(r.body().isBlank(), "empty answer to " + body);
                boolean ok = r.statusCode() == 200 && r.body().replace(" ", "").contains("\"status\":200") && !r.body().contains("\"error\"");
                if (!ok) {
                    refused++;
                    assertTrue(r.body().contains("\"error\"") || r.statusCode() >= 400, "a failure without an error text: " + r.body());
                    assertEquals(before, job.limits(), "refused Jolokia request changed the job's limits: " + body);
                    assertEquals(kernelBefore, kernel(job), "refused Jolokia request changed the kernel's limits: " + body);
                }
                if (i % 100 == 0) {
                    job.setLimits(LimitSpec.parse("memory=64m,processes=32"));
                }
            }
            HttpResponse<String> version = http.send(HttpRequest.newBuilder(URI.create(url + "version")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, version.statusCode(), "Jolokia still serves after the fuzzing");
        }
        System.out.println("Jolokia: 2000 random bodies, " + refused + " refused");
        assertTrue(refused > 0, "the generator makes bad requests");
    }

    private static String jolokiaBody(RandomInput in, String mbean) {
        String attribute = in.pick(List.of("JobMemoryLimitBytes", "ActiveProcessLimit", "CpuRateLimitPercent", "CpuWeight", "Affinity", "Counters", "Nope", ""));
        String value = in.random.nextBoolean() ? "\"" + in.value().replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : in.value().replaceAll("[^0-9.-]", "");
        String target = in.random.nextInt(10) == 0 ? in.pick(List.of("jobgov:type=Job,name=nope", "java.lang:type=Memory", "bad name", ":::")) : mbean;
        return switch (in.random.nextInt(7)) {
            case 0 -> "{\"type\":\"read\",\"mbean\":\"" + target + "\",\"attribute\":\"" + attribute + "\"}";
            case 1, 2 -> "{\"type\":\"write\",\"mbean\":\"" + target + "\",\"attribute\":\"" + attribute + "\",\"value\":" + (value.isEmpty() ? "null" : value) + "}";
            case 3 -> "{\"type\":\"exec\",\"mbean\":\"" + target + "\",\"operation\":\"setLimits\",\"arguments\":[\""
                    + in.limitSpec().replace("\\", "\\\\").replace("\"", "\\\"") + "\"]}";
            case 4 -> "{\"type\":\"" + in.pick(List.of("exec", "write", "search", "list", "nope", "")) + "\",\"mbean\":" + value + "}";
            case 5 -> "[" + "{\"type\":\"read\"},".repeat(in.random.nextInt(3)) + "{\"type\":\"write\",\"mbean\":\"" + target + "\"}]";
            default -> {
                String alphabet = "{}[]\":,0123abc\\ \u00e9";
                StringBuilder junk = new StringBuilder();
                int n = in.random.nextInt(200);
                for (int k = 0; k < n; k++) {
                    junk.append(alphabet.charAt(in.random.nextInt(alphabet.length())));
                }
                yield junk.toString();
            }
        };
    }

    /** The job's limits as the kernel holds them (the files jobgov writes for memory and processes). */
    private static List<String> kernel(Job job) throws Exception {
        List<String> values = new ArrayList<>();
        Path memory = Leftovers.dir(job.location(), "memory");
        Path pids = Leftovers.dir(job.location(), "pids");
        Path cpu = Leftovers.dir(job.location(), "cpu");
        values.add(memory == null ? "-" : Files.readString(memory.resolve("memory.limit_in_bytes")).trim());
        values.add(pids == null ? "-" : Files.readString(pids.resolve("pids.max")).trim());
        values.add(cpu == null ? "-" : Files.readString(cpu.resolve("cpu.cfs_quota_us")).trim() + "/" + Files.readString(cpu.resolve("cpu.shares")).trim());
        return values;
    }

    private static void assertClear(String input, Exception e) {
        String m = e.getMessage();
        assertNotNull(m, "no message for '" + input + "'");
        assertFalse(m.isBlank(), "blank message for '" + input + "'");
        assertFalse(m.startsWith("For input string"), "a raw number-format message for '" + input + "': " + m);
        assertTrue(m.length() < 600, "an overlong message for '" + input + "': " + m);
    }
}
