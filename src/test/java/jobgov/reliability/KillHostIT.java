package jobgov.reliability;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A governed JVM SIGKILLed at random moments (idle, while spawning, while a policy handler runs), 20
 * times: within 1 s of the kill no process of its job is alive (double-forked ones included), and every
 * cgroup of the job is gone soon after. Nothing inside the JVM gets a chance to clean up: the
 * kill-on-close watchdog does it all.
 */
class KillHostIT {
    private static final int REPETITIONS = 20;
    private static final String POLICY = """
            on(ProcessExited) { e -> Thread.sleep(200) }
            on(JobEvent) { e -> }
            """;
    private final String prefix = Leftovers.prefix();
    private final String marker = Leftovers.marker();
    private Path policy;

    @AfterEach
    void cleanUp() throws Exception {
        Leftovers.cleanUp(prefix, marker);
        if (policy != null) {
            Files.deleteIfExists(policy);
        }
    }

    @Test
    void sigkilledHostLeavesNoProcessAfterOneSecondAndNoCgroup() throws Exception {
        Requirements.cgroupV1();
        Path jar = Requirements.jobgovJar().toAbsolutePath();
        String classes = System.getProperty("jobgov.testClasses", "target/test-classes");
        policy = Files.createTempFile("jobgov-rel-kill", ".groovy");
        Files.writeString(policy, POLICY);
        Random random = new Random(20261124L);
        List<String> modes = List.of("idle", "spawning", "policy");
        List<String> report = new ArrayList<>();
        for (int rep = 0; rep < REPETITIONS; rep++) {
            String mode = modes.get(rep % modes.size());
            String name = prefix + "-" + rep;
            String agent = "-javaagent:" + jar + "=" + (mode.equals("policy") ? policy + "," : "") + "name=" + name;
            Process host = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), agent,
                    "-cp", classes, SpawningHost.class.getName(), marker, mode).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(host.getInputStream()));
                assertEquals("ready", out.readLine(), "host (" + mode + ") did not start");
                await().atMost(Duration.ofSeconds(20)).until(() -> !Leftovers.cgroups(name).isEmpty() && !Leftovers.processes(marker).isEmpty());
                Thread.sleep(random.nextInt(300));
                int before = Leftovers.processes(marker).size();
                long killedAt = System.nanoTime();
                host.destroyForcibly(); // SIGKILL
                await().pollInSameThread().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(1))
                        .untilAsserted(() -> assertEquals(List.of(), Leftovers.processes(marker), "job processes alive"));
                long emptyMs = (System.nanoTime() - killedAt) / 1_000_000;
                await().pollInSameThread().atMost(Duration.ofSeconds(5))
                        .untilAsserted(() -> assertEquals(List.of(), Leftovers.cgroups(name), "cgroups left"));
                long goneMs = (System.nanoTime() - killedAt) / 1_000_000;
                report.add(mode + ": " + before + " procs, empty " + emptyMs + " ms, cgroups gone " + goneMs + " ms");
            } finally {
                host.destroyForcibly();
                assertTrue(host.waitFor(10, TimeUnit.SECONDS));
            }
        }
        System.out.println("kill -9 of the host, " + REPETITIONS + " times:\n  " + String.join("\n  ", report));
    }
}
