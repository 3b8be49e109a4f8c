package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Kill-on-close of a cgroup2 job on the real kernel (a child of the unified tree, /sys/fs/cgroup/unified):
 * a separate JVM governs a process tree, half of it double-forked, and dies by SIGKILL; the shared watchdog
 * must leave no process of the job alive after one second, using the job's {@code cgroup.kill}, and then
 * remove the job's cgroup. Needs root.
 */
class Cgroup2KillOnCloseTest {
    static final Path UNIFIED = Path.of("/sys/fs/cgroup/unified");
    Path parent;
    Process governor;
    String marker;

    @AfterEach
    void cleanUp() throws IOException {
        if (governor != null) {
            governor.destroyForcibly();
        }
        if (marker != null) {
            GovernedJobs.processesWith(marker).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
        if (parent != null && Files.exists(parent)) {
            List<Path> deepestFirst = new ArrayList<>(CgroupFiles.tree(parent));
            Collections.reverse(deepestFirst);
            for (Path d : deepestFirst) {
                if (!CgroupFiles.procs(d).isEmpty()) {
                    CgroupFiles.write(d.resolve("cgroup.kill"), "1");
                }
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> CgroupFiles.procsRecursive(parent).isEmpty());
            for (Path d : deepestFirst) {
                Files.deleteIfExists(d);
            }
        }
    }

    @Test
    void sigkillOfTheGoverningJvmLeavesNoJobProcessAfterOneSecond() throws Exception {
        Requirements.cgroupV1();
        Requirements.require(Files.exists(UNIFIED.resolve("cgroup.kill")) || Files.exists(UNIFIED.resolve("cgroup.procs")),
                "needs the cgroup v2 unified tree at " + UNIFIED);
        parent = Files.createDirectory(UNIFIED.resolve("jobgov-test-" + UUID.randomUUID().toString().substring(0, 8)));
        marker = "300." + (100000 + ThreadLocalRandom.current().nextInt(900000));
        governor = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Cgroup2GovernorMain.class.getName(), "/" + parent.getFileName(), marker)
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(governor.getInputStream()));
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = out.readLine()) != null && !line.startsWith("ready ")) {
            seen.append(line).append('\n');
        }
        assertTrue(line != null, "the governing JVM never got ready:\n" + seen);
        Path jobDir = Path.of(line.substring("ready ".length()));
        // Five sleeps once the double-forking subshells have exited.
        await().atMost(Duration.ofSeconds(5)).until(() -> CgroupFiles.procsRecursive(jobDir).size() == 5);
        assertEquals(5, GovernedJobs.processesWith(marker).stream().filter(pid -> pid != governor.pid()).count(),
                "the sleeps (the governor's own command line names the marker too)");

        governor.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
        assertTrue(governor.waitFor(5, TimeUnit.SECONDS));
        long died = System.nanoTime();
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                .until(() -> GovernedJobs.processesWith(marker).isEmpty());
        System.out.printf("cgroup2 kill-on-close: job empty %d ms after the governing JVM died%n", (System.nanoTime() - died) / 1_000_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(jobDir));
    }
}
