package jobgov.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * scripts/test's leftover check, run for real with a stand-in for Maven (the suite itself is not run
 * again): job cgroups made by someone else before or during the run never fail it; a job cgroup left
 * by a process of the run itself is reported, and fails the run only in strict mode; a green run
 * exits 0 in both modes.
 */
class TestScriptIT {
    private static final Path PIDS = Path.of("/sys/fs/cgroup/pids");
    private Path dir;
    private final List<Path> made = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        Requirements.cgroupV1();
        dir = Files.createTempDirectory("jobgov-test-script");
    }

    @AfterEach
    void cleanUp() throws IOException {
        // The stand-in writes each cgroup it made to 'made'; remove them and ours.
        Path list = dir == null ? null : dir.resolve("made");
        if (list != null && Files.exists(list)) {
            for (String line : Files.readAllLines(list)) {
                made.add(Path.of(line));
            }
        }
        for (Path cg : made) {
            try {
                Files.deleteIfExists(cg);
            } catch (IOException e) {
                // gone already
            }
        }
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /**
     * A Maven that makes job cgroups instead of running tests: one for a live stranger (a process
     * without the run's token), one for a stranger that is gone (stale), and with LEAK=1 one for
     * itself, a process of the run. It sleeps a little so the sampler sees it.
     */
    private void standInMaven() throws IOException {
        Path mvn = dir.resolve("mvn");
        Files.writeString(mvn, """
                #!/usr/bin/env bash
                set -eu
                made=%1$s/made
                if [ ! -e %1$s/once ]; then
                  touch %1$s/once
                  env -u JOBGOV_TEST_RUN sleep 30 </dev/null >/dev/null 2>&1 &
                  echo $! > %1$s/stranger
                  mkdir %2$s/jobgov-stranger.$!; echo %2$s/jobgov-stranger.$! >> "$made"
                  env -u JOBGOV_TEST_RUN true & gone=$!; wait $gone
                  mkdir %2$s/jobgov-gone.$gone; echo %2$s/jobgov-gone.$gone >> "$made"
                  if [ "${LEAK:-0}" = 1 ]; then
                    mkdir %2$s/jobgov-leak.$$; echo %2$s/jobgov-leak.$$ >> "$made"
                  fi
                fi
                sleep 1
                echo "stand-in mvn $*"
                """.formatted(dir, PIDS));
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private record Run(int code, String out) {
    }

    private Run testScript(boolean leak, String... args) throws Exception {
        standInMaven();
        List<String> cmd = new ArrayList<>(List.of("scripts/test"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PATH", dir + ":" + System.getenv("PATH"));
        pb.environment().put("LEAK", leak ? "1" : "0");
        pb.environment().put("JDK25_HOME", "/usr/lib/jvm/java-17-openjdk-amd64"); // present everywhere: no skip
        pb.environment().put("JOBGOV_GUEST_RUNNER", "true"); // not the cgroup v2 guest: this test is about the leftover check
        Path out = dir.resolve("out");
        Process p = pb.redirectOutput(out.toFile()).start();
        try {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "scripts/test did not finish");
            return new Run(p.exitValue(), Files.readString(out));
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Path stranger = dir.resolve("stranger");
            if (Files.exists(stranger)) {
                ProcessHandle.of(Long.parseLong(Files.readString(stranger).trim())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void othersJobCgroupsNeverFailTheRun() throws Exception {
        Path early = PIDS.resolve("jobgov-early.1"); // made before the run, owner alive (init)
        Files.createDirectory(early);
        made.add(early);
        for (String mode : List.of("", "-Djobgov.strict=true")) {
            Files.deleteIfExists(dir.resolve("once"));
            Run run = mode.isEmpty() ? testScript(false) : testScript(false, mode);
            assertEquals(0, run.code(), run.out());
            assertTrue(run.out().contains("no cgroup left behind"), run.out());
            assertFalse(run.out().contains("jobgov-stranger"), run.out());
        }
    }

    @Test
    void aCgroupLeftByTheRunIsReportedAndFailsOnlyStrictMode() throws Exception {
        Run lenient = testScript(true);
        assertEquals(0, lenient.code(), lenient.out());
        assertTrue(lenient.out().contains("/jobgov-leak."), lenient.out());
        assertFalse(lenient.out().contains("jobgov-stranger"), lenient.out());
        assertFalse(lenient.out().contains("jobgov-gone"), lenient.out());

        Files.deleteIfExists(dir.resolve("once"));
        cleanUpMade();
        Run strict = testScript(true, "-Djobgov.strict=true");
        assertEquals(1, strict.code(), strict.out());
        assertTrue(strict.out().contains("/jobgov-leak."), strict.out());
    }

    private void cleanUpMade() throws IOException {
        Path list = dir.resolve("made");
        if (Files.exists(list)) {
            for (String line : Files.readAllLines(list)) {
                Files.deleteIfExists(Path.of(line));
            }
            Files.delete(list);
        }
    }
}
