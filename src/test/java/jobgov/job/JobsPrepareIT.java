package jobgov.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Jobs#prepare()} chooses silently and {@link Jobs#backend()} says a degraded choice once: the agent
 * prepares on a helper thread while it parses its options, and a refused start must stay one line. Run as the
 * user nobody, for whom no cgroup backend is usable, in a fresh JVM (the choice is made once per JVM).
 */
class JobsPrepareIT {
    @Test
    void prepareIsSilentAndTheFirstBackendCallWarnsOnce(@TempDir Path tmp) throws Exception {
        Requirements.require(Requirements.isRoot(), "needs root to switch to the user nobody");
        Requirements.command("setpriv");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        // this test's class path, copied where nobody may read it (the checkout may sit under a private home)
        List<String> cp = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path from = Path.of(entry);
            if (!Files.exists(from)) {
                continue;
            }
            Path to = tmp.resolve("cp" + i++);
            if (Files.isDirectory(from)) {
                try (var files = Files.walk(from)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Path t = to.resolve(from.relativize(f).toString());
                        if (Files.isDirectory(f)) {
                            Files.createDirectories(t);
                        } else {
                            Files.copy(f, t);
                        }
                    }
                }
            } else {
                to = Files.copy(from, tmp.resolve(i + "-" + from.getFileName()));
            }
            cp.add(to.toString());
        }
        try (var files = Files.walk(tmp)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(Files.isDirectory(f) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Process p = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-XX:TieredStopAtLevel=1",
                "-cp", String.join(java.io.File.pathSeparator, cp), Probe.class.getName())
                .directory(tmp.toFile()).redirectErrorStream(true).start();
        List<String> out = new String(p.getInputStream().readAllBytes()).lines().filter(l -> !l.isBlank()).toList();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out.toString());
        assertEquals(0, p.exitValue(), out.toString());
        int prepared = out.indexOf("prepared degraded");
        int first = out.indexOf("backend degraded");
        int second = out.indexOf("again degraded");
        assertTrue(prepared >= 0 && first > prepared && second > first, out.toString());
        List<String> warnings = out.stream().filter(l -> l.contains("jobgov runs DEGRADED")).toList();
        assertEquals(1, warnings.size(), out.toString());
        int warning = out.indexOf(warnings.get(0));
        assertTrue(warning > prepared && warning < second, "said by the first backend() call, not by prepare(): " + out);
    }

    /** Prepares, then asks twice, printing a marker after each step. */
    public static final class Probe {
        private Probe() {
        }

        public static void main(String[] args) {
            System.err.println("prepared " + Jobs.prepare().name());
            System.err.flush();
            System.err.println("backend " + Jobs.backend().name());
            System.err.flush();
            System.err.println("again " + Jobs.backend().name());
        }
    }
}
