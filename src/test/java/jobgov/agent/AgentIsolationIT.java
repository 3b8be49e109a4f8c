package jobgov.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's libraries never meet the host's: a host carrying Groovy 3.0.25 and JNA 5.14.0 on its own class
 * path runs a Groovy script and a JNA call of its own while the agent (Groovy 4, JNA 5.19 in its private
 * loader) runs a Groovy 4 policy on the same JVM, and no jobgov class but the boot class is visible to it.
 */
class AgentIsolationIT {
    private Path dir;

    @BeforeEach
    void policy() throws Exception {
        dir = Files.createTempDirectory("jobgov-test-policy-");
    }

    @AfterEach
    void remove() throws Exception {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void hostGroovy3AndJnaBesideTheAgentsGroovy4Policy() throws Exception {
        Requirements.cgroupV1();
        Path policy = dir.resolve("isolation.groovy");
        Files.writeString(policy, """
                // runs on the agent's Groovy 4: records its version where the test can see it
                job {
                    processes 300
                }
                System.err.println "policy-groovy " + GroovySystem.version
                on(ProcessExited) { e -> log.info "pid ${e.pid} exited" }
                """);
        String jobName = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
        try (HostJvm host = HostJvm.start(policy + ",name=" + jobName + ",await=true", List.of(),
                List.of(HostJvm.itLib("groovy-3.0.25.jar"), HostJvm.itLib("jna-5.14.0.jar")), Map.of(),
                IsolationHost.class.getName())) {
            assertEquals(0, host.waitFor(Duration.ofSeconds(90)), host.stderr());
            List<String> out = host.lines();
            assertTrue(out.contains("groovy 3.0.25 42:3.0.25"), "the host's own Groovy 3 ran its script: " + out + host.stderr());
            assertTrue(out.contains("jna 5.14.0 " + host.pid() + " " + host.pid()), "the host's own JNA called libc: " + out);
            assertTrue(out.contains("limits processes=300"), "the agent's policy applied its limits before main (await=true): " + out);
            assertTrue(out.contains("jobgov-visible false boot-visible true job=" + jobName + " status=governed"),
                    "only the boot class is on the host's class path: " + out + host.stderr());
            assertTrue(host.stderr().contains("policy-groovy 4."), "the policy ran on the agent's Groovy 4: " + host.stderr());
        }
    }

    @Test
    void hostLibrariesWorkBesideAnAgentRunningOnDefaults() throws Exception {
        // No cgroups needed: isolation does not depend on the backend, so the agent runs on the degraded one.
        try (HostJvm host = HostJvm.start("", List.of("-Djobgov.backend=degraded"),
                List.of(HostJvm.itLib("groovy-3.0.25.jar"), HostJvm.itLib("jna-5.14.0.jar")), Map.of(),
                IsolationHost.class.getName())) {
            assertEquals(0, host.waitFor(Duration.ofSeconds(60)), host.stderr());
            List<String> out = host.lines();
            assertTrue(out.contains("groovy 3.0.25 42:3.0.25"), out + host.stderr());
            assertTrue(out.stream().anyMatch(l -> l.startsWith("jna 5.14.0 ")), out.toString());
            assertTrue(out.stream().anyMatch(l -> l.startsWith("jobgov-visible false boot-visible true")), out.toString());
            assertTrue(out.stream().anyMatch(l -> l.contains("status=governed") || l.contains("status=degraded")), out + host.stderr());
        }
    }
}
