package jobgov.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start, run as it is written: the commands are read from its "Quick start" section (lines
 * {@code $ COMMAND}, each followed by the output it shows), so the test breaks when the README drifts from what
 * they do. Each command runs in bash from the checkout; its stderr and stdout must hold the lines the README
 * shows, in order (a time stamp matches any time, {@code ...} any rest of the line), and it must end as the
 * section says. {@code scripts/test} runs with a stand-in for Maven and the guest on PATH: the suite is not run
 * again inside itself, the script's own steps are.
 */
class ReadmeQuickStartIT {
    @TempDir
    Path tmp;

    record Step(String command, List<String> shown) {
    }

    static List<Step> quickStart() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        int start = lines.indexOf("## Quick start");
        assertTrue(start >= 0, "README.md has no '## Quick start' section");
        List<Step> steps = new ArrayList<>();
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
            String line = lines.get(i);
            if (line.startsWith("    $ ")) {
                steps.add(new Step(line.substring(6), new ArrayList<>()));
            } else if (line.startsWith("    ") && !steps.isEmpty()) {
                steps.get(steps.size() - 1).shown().add(line.substring(4));
            } else if (!line.isBlank() && !steps.isEmpty() && !steps.get(steps.size() - 1).shown().isEmpty()) {
                steps.add(new Step(null, List.of())); // prose ends a block: later indented lines are no output
            }
        }
        steps.removeIf(s -> s.command() == null);
        return steps;
    }

    @Test
    void theQuickStartIsTheTwoCommandsRunTheJobAndRunTheTests() throws Exception {
        List<Step> steps = quickStart();
        assertEquals(2, steps.size(), "the quick start's commands: " + steps);
        assertTrue(steps.get(0).command().startsWith("scripts/jobgov run "), steps.get(0).command());
        assertEquals("scripts/test", steps.get(1).command());
    }

    @Test
    void theJobCommandDoesWhatTheReadmeShows() throws Exception {
        Requirements.cgroupV1();
        Requirements.command("python3");
        Requirements.jobgovJar();
        Step run = quickStart().get(0);
        Result r = bash(run.command(), List.of());
        assertEquals(137, r.code(), "the README says the OOM killer ends it and jobgov exits 137:\n" + r.out());
        assertShown(run.shown(), r.out());
    }

    @Test
    void theTestCommandRunsItsStepsAndPasses() throws Exception {
        Requirements.cgroupV1();
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/usr/bin/env bash\necho \"stand-in mvn $* on $JAVA_HOME\"\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        Step test = quickStart().get(1);
        Result r = bash(test.command(), List.of("PATH=" + bin + ":" + System.getenv("PATH"),
                "JOBGOV_GUEST_RUNNER=true", "JDK25_HOME=" + System.getProperty("java.home")));
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("stand-in mvn -B verify on "), r.out());
        assertTrue(r.out().contains("no cgroup left behind"), r.out());
        assertShown(test.shown(), r.out());
    }

    /** Each shown line matches a later line of the output than the one before it. */
    static void assertShown(List<String> shown, String out) {
        List<String> got = out.lines().toList();
        int at = 0;
        for (String line : shown) {
            Pattern p = pattern(line);
            while (at < got.size() && !p.matcher(got.get(at)).matches()) {
                at++;
            }
            assertTrue(at < got.size(), "the README shows '" + line + "', the command printed:\n" + out);
            at++;
        }
    }

    /** A shown line as a pattern: HH:MM:SS.mmm is any time, "..." any rest. */
    static Pattern pattern(String shown) {
        StringBuilder re = new StringBuilder();
        String[] parts = shown.split("\\.\\.\\.", -1);
        for (int i = 0; i < parts.length; i++) {
            String q = Pattern.quote(parts[i]).replaceAll("\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d", "\\\\E\\\\d\\\\d:\\\\d\\\\d:\\\\d\\\\d\\\\.\\\\d{3}\\\\Q");
            re.append(q);
            if (i < parts.length - 1) {
                re.append(".*");
            }
        }
        return Pattern.compile(re.toString());
    }

    record Result(int code, String out) {
    }

    private Result bash(String command, List<String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true);
        for (String kv : env) {
            pb.environment().put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        Path out = tmp.resolve("out");
        Process p = pb.redirectOutput(out.toFile()).start();
        p.getOutputStream().close();
        try {
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "'" + command + "' did not finish:\n" + Files.readString(out));
            return new Result(p.exitValue(), Files.readString(out));
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
