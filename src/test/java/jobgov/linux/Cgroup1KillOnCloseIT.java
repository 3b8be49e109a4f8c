package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Native;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGKILL of the governing JVM: its watchdog kills the job's processes within 1 s and removes the cgroups; also after
 * the first watchdog was killed while the JVM lived (the JVM re-arms kill-on-close with a new one).
 */
class Cgroup1KillOnCloseIT {
    @ParameterizedTest
    @Timeout(90)
    @ValueSource(strings = {"outside", "join", "watchdog-killed"})
    void sigkillOfTheGoverningJvmLeavesNoJobProcessAfterOneSecondAndNoCgroups(String where) throws Exception {
        Requirements.cgroupV1();
        String name = GovernedJobs.uniqueName("koc");
        String marker = "1000." + (100 + new java.util.Random().nextInt(800)) + (int) (Math.random() * 1000);
        String cp = String.join(File.pathSeparator, codeSource(GovernedJvm.class), codeSource(Cgroup1Backend.class),
                codeSource(Native.class), codeSource(jobgov.job.Job.class));
        Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
                GovernedJvm.class.getName(), name, marker, where).redirectError(ProcessBuilder.Redirect.INHERIT).start(); // stderr: JDK 25 warns about JNA there
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("ready "), "governing JVM: " + line);
            // "ready" can come while a double-forked subshell has not yet exec'd its sleep: wait for all ten
            await().atMost(Duration.ofSeconds(10)).until(() -> GovernedJobs.sleeping(marker).size() >= 10);
            assertEquals(10, GovernedJobs.sleeping(marker).size(), "5 plain + 5 double-forked sleeps");
            if (where.equals("watchdog-killed")) {
                // a member kills the watchdog while the JVM lives: the JVM starts a new one, and kill-on-close still holds
                List<Long> first = GovernedJobs.processesWith("jobgov-watchdog-" + name);
                assertEquals(1, first.size(), "one watchdog: " + first);
                ProcessHandle.of(first.get(0)).ifPresent(ProcessHandle::destroyForcibly);
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    List<Long> now = GovernedJobs.processesWith("jobgov-watchdog-" + name);
                    return now.size() == 1 && !now.equals(first);
                });
            }
            long killedAt = System.nanoTime();
            jvm.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
            assertTrue(jvm.waitFor(5, TimeUnit.SECONDS));
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                    .until(() -> GovernedJobs.sleeping(marker).isEmpty());
            long ms = (System.nanoTime() - killedAt) / 1_000_000;
            assertTrue(ms <= 1500, "all job processes gone " + ms + " ms after the SIGKILL");
            await().atMost(Duration.ofSeconds(5)).until(() -> GovernedJobs.cgroupsNamed(name).isEmpty());
        } finally {
            jvm.destroyForcibly();
            for (long pid : GovernedJobs.sleeping(marker)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> GovernedJobs.sleeping(marker).isEmpty());
            for (Path d : GovernedJobs.cgroupsNamed(name)) {
                List<Path> tree = new java.util.ArrayList<>(CgroupFiles.tree(d));
                java.util.Collections.reverse(tree);
                for (Path t : tree) {
                    java.nio.file.Files.deleteIfExists(t);
                }
            }
        }
    }

    private static String codeSource(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
