package jobgov.policy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/**
 * A library policy given to the Java agent of a separate JVM (the host, jobgov.agent.TreeHost, is in the
 * job itself): Groovy compiles inside the agent's private class loader, the memory guard warns, and when
 * the kernel's OOM killer runs it terminates the job's children while the host runs on.
 */
class PolicyAgentIT {
    @Test
    void memoryGuardThroughTheAgentKillsTheChildrenAndKeepsTheHost() throws Exception {
        Requirements.cgroupV1();
        Path jar = Requirements.jobgovJar();
        String name = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
        Path policy = Path.of("policies/memory-guard.groovy").toAbsolutePath();
        Path stderr = Files.createTempFile("jobgov-policy-it", ".log");
        Process host = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-javaagent:" + jar.toAbsolutePath() + "=" + policy + ",name=" + name + ",await=true",
                "-cp", System.getProperty("jobgov.testClasses", "target/test-classes"), "jobgov.agent.TreeHost")
                .redirectError(stderr.toFile()).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    lines.add(l);
                }
            } catch (Exception e) {
                // the host is gone
            }
        });
        reader.setDaemon(true);
        reader.start();
        try (PrintWriter in = new PrintWriter(host.getOutputStream(), true, StandardCharsets.UTF_8)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> lines.stream().anyMatch(l -> l.startsWith("ready")));
            in.println("tree");
            await().atMost(Duration.ofSeconds(10)).until(() -> lines.stream().anyMatch(l -> l.startsWith("tree ")));
            String tree = lines.stream().filter(l -> l.startsWith("tree ")).findFirst().orElseThrow().substring(5);
            in.println("hog");
            // The OOM killer takes the hog (oom_score_adj 1000); the policy then ends the innocent tree too.
            await().atMost(Duration.ofSeconds(60)).until(() -> lines.contains("exited " + tree + " 137"));
            String log = Files.readString(stderr);
            assertTrue(log.contains("memory soft limit"), log);
            assertTrue(log.contains("memory hard limit") && log.contains("terminating the job"), log);
            in.println("alive");
            await().atMost(Duration.ofSeconds(10)).until(() -> lines.stream().anyMatch(l -> l.startsWith("alive ")));
            assertTrue(host.isAlive(), "the host JVM survives its own policy's terminate");
            in.println("exit 0");
        } finally {
            host.destroyForcibly();
            host.waitFor();
            Files.deleteIfExists(stderr);
        }
    }
}
