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
        memoryGuard(List.of(), Duration.ofSeconds(60), Duration.ofSeconds(30));
    }

    /**
     * The test on whichever kernel backend this host has (also AgentCgroup2KernelIT's, in the cgroup v2 guest).
     *
     * @param jvmOptions for the host JVM
     * @param patience   the longest wait for one step (a JVM start and a Groovy compile under emulation take minutes)
     * @param budget     the policy's time budget per call (agent option): the script's first run compiles and
     *                   arms it, which under load (or emulation) can take longer than the default 5 s
     */
    static void memoryGuard(List<String> jvmOptions, Duration patience, Duration budget) throws Exception {
        Path jar = Requirements.jobgovJar();
        String name = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
        Path policy = Path.of("policies/memory-guard.groovy").toAbsolutePath();
        Path stderr = Files.createTempFile("jobgov-policy-it", ".log");
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-javaagent:" + jar.toAbsolutePath() + "=" + policy + ",name=" + name + ",await=true,budget=" + budget.toSeconds() + "s",
                "-cp", System.getProperty("jobgov.testClasses", "target/test-classes"), "jobgov.agent.TreeHost"));
        Process host = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
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
            await().atMost(patience).until(() -> lines.stream().anyMatch(l -> l.startsWith("ready")));
            // the policy may be armed after main started (the agent waits for it at most 120 s): the hog waits for it
            await().atMost(patience).until(() -> Files.readString(stderr).contains("governs job " + name));
            in.println("tree");
            await().atMost(patience).until(() -> lines.stream().anyMatch(l -> l.startsWith("tree ")));
            String tree = lines.stream().filter(l -> l.startsWith("tree ")).findFirst().orElseThrow().substring(5);
            in.println("hog");
            // The OOM killer takes the hog (oom_score_adj 1000); the policy then ends the innocent tree too.
            try {
                await().atMost(patience).until(() -> lines.contains("exited " + tree + " 137"));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("the tree did not end: host said " + lines + ", its log:\n" + Files.readString(stderr), e);
            }
            String log = Files.readString(stderr);
            assertTrue(log.contains("memory soft limit"), log);
            assertTrue(log.contains("memory hard limit") && log.contains("terminating the job"), log);
            in.println("alive");
            await().atMost(patience).until(() -> lines.stream().anyMatch(l -> l.startsWith("alive ")));
            assertTrue(host.isAlive(), "the host JVM survives its own policy's terminate");
            in.println("exit 0");
        } finally {
            host.destroyForcibly();
            host.waitFor();
            Files.deleteIfExists(stderr);
        }
    }
}
