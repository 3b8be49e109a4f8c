package jobgov.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need root, cgroups or a tool skip with a stated reason on a machine without them;
 * with {@code -Djobgov.strict=true} (CI sets it) such a skip is a failure instead.
 */
public final class Requirements {
    private Requirements() {
    }

    public static boolean strict() {
        return Boolean.getBoolean("jobgov.strict");
    }

    public static void require(boolean ok, String reason) {
        if (ok) {
            return;
        }
        if (strict()) {
            Assertions.fail("required by -Djobgov.strict=true but missing: " + reason);
        }
        Assumptions.assumeTrue(false, "skipped: " + reason);
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Root, and the cgroup v1 hierarchies plus the unified tree these machines have. */
    public static void cgroupV1() {
        require(isRoot(), "needs root to create cgroups");
        require(Files.isDirectory(Path.of("/sys/fs/cgroup/memory")) && Files.isDirectory(Path.of("/sys/fs/cgroup/pids")),
                "needs cgroup v1 memory and pids hierarchies under /sys/fs/cgroup");
    }

    /**
     * Root on a pure cgroup v2 host (only cgroup2 mounted, at /sys/fs/cgroup): the *Cgroup2KernelIT tests,
     * which CI runs in the scripts/cgroup2-guest guest ({@code mvn verify -Pcgroup2-guest}).
     */
    public static void cgroupV2() {
        require(isRoot(), "needs root to create cgroups");
        require(Files.isRegularFile(Path.of("/sys/fs/cgroup/cgroup.subtree_control"))
                        && !Files.isDirectory(Path.of("/sys/fs/cgroup/memory")) && !Files.isDirectory(Path.of("/sys/fs/cgroup/unified")),
                "needs a pure cgroup v2 host (run it with scripts/cgroup2-guest -- mvn verify -Pcgroup2-guest)");
    }

    /** The packaged target/jobgov.jar (integration tests run after `mvn package`). */
    public static Path jobgovJar() {
        String p = System.getProperty("jobgov.jar", "target/jobgov.jar");
        Path jar = Path.of(p);
        Assertions.assertTrue(Files.isRegularFile(jar), "no " + jar + ": integration tests run with `mvn verify`");
        return jar;
    }

    public static void command(String name) {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                found = true;
                break;
            }
        }
        require(found, "needs the command '" + name + "' (installed by .ci/run)");
    }
}
