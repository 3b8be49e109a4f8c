package jobgov.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import jobgov.job.Jobs;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code jobgov run} as a user runs it: the packaged jar in a child process, real commands, real signals. */
class RunIT {
    private static final Pattern EVENT = Pattern.compile("^jobgov: \\d\\d:\\d\\d:\\d\\d\\.\\d{3} (\\S+)(.*)$");

    @TempDir
    Path tmp;

    private final String name = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<ProcessHandle> started = new ArrayList<>();
    private final String tag = Long.toString(100_000 + (long) (Math.random() * 800_000));

    @AfterEach
    void cleanUp() throws Exception {
        for (ProcessHandle h : started) {
            // SIGTERM first: a jobgov run closes its job and removes the job's cgroups.
            List<ProcessHandle> tree = h.descendants().toList();
            h.destroy();
            try {
                h.onExit().get(15, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                h.destroyForcibly();
            }
            tree.forEach(ProcessHandle::destroyForcibly);
        }
        tagged().forEach(ProcessHandle::destroyForcibly);
    }

    /** Processes of this test found by their unique argument, wherever they were reparented to. */
    private List<ProcessHandle> tagged() {
        return ProcessHandle.allProcesses().filter(Cli::running)
                .filter(h -> h.info().arguments().map(a -> List.of(a).contains(tag)).orElse(false)).toList();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3})
    void exitsWithTheCommandsExitCode(int code) throws Exception {
        Cli.Result r = Cli.run("run", "--name", name, "--", "sh", "-c", "echo out; exit " + code);
        assertEquals(code, r.code(), r::toString);
        assertEquals("out\n", r.out(), "the command's stdout is inherited, and jobgov prints nothing there");
    }

    @Test
    void exitsWith128PlusTheSignalThatKilledTheCommand() throws Exception {
        Cli.Result r = Cli.run("run", "--name", name, "--", "sh", "-c", "kill -9 $$");
        assertEquals(128 + 9, r.code(), r::toString);
        assertTrue(r.err().contains(" exit 137 (signal 9)"), r::toString);
    }

    @Test
    void verbosePrintsEveryEventAsOneLineOnStderr() throws Exception {
        Cli.Result r = Cli.run("run", "-v", "--name", name, "--", "sh", "-c", "echo $$; exit 3");
        assertEquals(3, r.code(), r::toString);
        long pid = Long.parseLong(r.out().trim());
        List<String> types = new ArrayList<>();
        for (String line : r.errLines()) {
            Matcher m = EVENT.matcher(line);
            assertTrue(m.matches(), "every stderr line is a timestamped jobgov line: " + line);
            types.add(m.group(1) + m.group(2));
        }
        assertTrue(types.get(0).startsWith("job " + name + " backend="), r::toString);
        assertTrue(types.contains("process.new pid=" + pid), r::toString);
        assertTrue(types.contains("process.exit pid=" + pid + " exitCode=3"), r::toString);
        assertEquals("exit 3", types.get(types.size() - 1), r::toString);

        Cli.Result quiet = Cli.run("run", "--quiet", "--name", name, "--", "sh", "-c", "exit 4");
        assertEquals(4, quiet.code());
        assertEquals("", quiet.err(), "--quiet prints no events");
    }

    @Test
    void commandNotFoundIs127() throws Exception {
        Cli.Result r = Cli.run("run", "--quiet", "--name", name, "--", "/nonexistent/jobgov-test-command");
        assertEquals(127, r.code(), r::toString);
        assertEquals(List.of("jobgov run: cannot run /nonexistent/jobgov-test-command: error=2, No such file or directory"), r.errLines());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "run", "attach", "list", "status", "set", "terminate", "prune"})
    void helpAndVersionOnEveryCommand(String command) throws Exception {
        List<String> args = new ArrayList<>(command.isEmpty() ? List.of() : List.of(command));
        args.add("--help");
        Cli.Result help = Cli.run(args.toArray(String[]::new));
        assertEquals(0, help.code(), help::toString);
        assertTrue(help.out().startsWith("Usage: jobgov" + (command.isEmpty() ? "" : " " + command)), help::toString);
        args.set(args.size() - 1, "--version");
        Cli.Result version = Cli.run(args.toArray(String[]::new));
        assertEquals(0, version.code(), version::toString);
        assertTrue(version.out().startsWith("jobgov 0."), version::toString);
    }

    static Stream<Arguments> badFlags() {
        return Stream.of(
                Arguments.of(List.of("--memory", "lots"), "--memory"),
                Arguments.of(List.of("--memory", "0"), "--memory"),
                Arguments.of(List.of("--process-memory=-5m"), "--process-memory"),
                Arguments.of(List.of("--processes", "many"), "--processes"),
                Arguments.of(List.of("--processes", "0"), "--processes"),
                Arguments.of(List.of("--cpu", "150%"), "--cpu"),
                Arguments.of(List.of("--cpu-weight", "12"), "--cpu-weight"),
                Arguments.of(List.of("--cpu", "50%", "--cpu-weight", "3"), "--cpu-weight"),
                Arguments.of(List.of("--affinity", "a-b"), "--affinity"),
                Arguments.of(List.of("--process-time", "soon"), "--process-time"),
                Arguments.of(List.of("--job-time", "1x"), "--job-time"),
                Arguments.of(List.of("--name", "no spaces please"), "--name"),
                Arguments.of(List.of("--policy", "/nonexistent/policy.groovy"), "--policy"),
                Arguments.of(List.of("--memroy", "64m"), "--memroy"),
                Arguments.of(List.of("--memory"), "--memory"));
    }

    @ParameterizedTest
    @MethodSource("badFlags")
    void badFlagIsOneLineNamingItExit2AndNothingStarted(List<String> flags, String flag) throws Exception {
        Path marker = tmp.resolve("started");
        List<String> args = new ArrayList<>(List.of("run"));
        if (!flags.contains("--name")) {
            args.addAll(List.of("--name", name));
        }
        args.addAll(flags);
        if (!flags.equals(List.of("--memory"))) {
            args.add("--");
        }
        args.addAll(List.of("touch", marker.toString()));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().startsWith("jobgov run: "), r::toString);
        assertTrue(r.err().contains(flag), r::toString);
        assertFalse(Files.exists(marker), "the command did not run");
        assertEquals(List.of(), Cli.cgroupsNamed(name), "no cgroup was created");
    }

    @Test
    void limitRefusedByTheDegradedBackendIsExit2AndNothingStarted() throws Exception {
        Path marker = tmp.resolve("started");
        Cli.Result r = Cli.run(new ProcessBuilder(Cli.command(List.of(), List.of("-Djobgov.backend=degraded"),
                "run", "--name", name, "--memory", "64m", "--", "touch", marker.toString())));
        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().startsWith("jobgov run: --memory: limit 'memory'"), r::toString);
        assertTrue(r.err().contains("refused by the degraded backend") && r.err().contains("chosen with jobgov.backend=degraded"), r::toString);
        assertFalse(Files.exists(marker));

        Cli.Result ok = Cli.run(new ProcessBuilder(Cli.command(List.of(), List.of("-Djobgov.backend=degraded"),
                "run", "--name", name, "--", "sh", "-c", "exit 5")));
        assertEquals(5, ok.code(), ok::toString);
        assertTrue(ok.err().contains(" backend=degraded "), ok::toString);
    }

    @Test
    void runsDegradedAsAnUnprivilegedUserAndRefusesLimits() throws Exception {
        Requirements.require(Requirements.isRoot(), "needs root to switch to the user nobody");
        Requirements.command("setpriv");
        // A copy every user can read: the checkout may sit under a private home directory.
        Path dir = Files.createDirectory(tmp.resolve("shared"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.copy(Requirements.jobgovJar(), dir.resolve("jobgov.jar"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> nobody = List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", Cli.java(), "-jar", jar.toString());

        List<String> plain = new ArrayList<>(nobody);
        plain.addAll(List.of("run", "--name", name, "--", "sh", "-c", "id -u; exit 6"));
        Cli.Result r = Cli.run(new ProcessBuilder(plain).directory(dir.toFile()));
        assertEquals(6, r.code(), r::toString);
        assertEquals("65534\n", r.out(), "the command ran as nobody");
        assertTrue(r.err().contains(" backend=degraded "), r::toString);

        Path marker = dir.resolve("started");
        List<String> limited = new ArrayList<>(nobody);
        limited.addAll(List.of("run", "--name", name, "--memory", "64m", "--", "touch", marker.toString()));
        Cli.Result refused = Cli.run(new ProcessBuilder(limited).directory(dir.toFile()));
        assertEquals(2, refused.code(), refused::toString);
        // Besides the error, one log line says once why jobgov runs degraded (jobgov.job.Jobs).
        assertEquals(2, refused.errLines().size(), refused::toString);
        assertTrue(refused.errLines().get(0).startsWith("jobgov: WARNING: jobgov runs DEGRADED"), refused::toString);
        assertTrue(refused.err().contains("--memory") && refused.err().contains("not root") && refused.err().contains("run as root"), refused::toString);
        assertFalse(Files.exists(marker));
    }

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void stoppingJobgovLeavesNoProcessAndNoCgroup(String signal) throws Exception {
        // env --default-signal: a test runner started in the background may have SIGINT ignored, which children inherit.
        List<String> cmd = Cli.command(List.of("env", "--default-signal=INT"), List.of(),
                "run", "--name", name, "--", "sh", "-c", "sleep " + tag + " & (sleep " + tag + " &) ; sleep " + tag + "; wait");
        Process cli = new ProcessBuilder(cmd).redirectError(tmp.resolve("err").toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        started.add(cli.toHandle());
        await().atMost(Duration.ofSeconds(20)).until(() -> cli.descendants().filter(h -> h.info().arguments().map(a -> List.of(a).contains(tag)).orElse(false)).count() >= 2);
        List<ProcessHandle> tree = cli.descendants().toList();
        started.addAll(tree);

        new ProcessBuilder("kill", "-" + signal, Long.toString(cli.pid())).start().waitFor();

        assertTrue(cli.waitFor(10, TimeUnit.SECONDS), "jobgov exits on SIG" + signal);
        assertEquals(128 + ("TERM".equals(signal) ? 15 : 2), cli.exitValue(), () -> read(tmp.resolve("err")));
        await().atMost(Duration.ofSeconds(2)).until(() -> tree.stream().noneMatch(Cli::running));
        assertEquals(List.of(), Cli.cgroupsNamed(name), "the job's cgroups are removed");
        if (!read(tmp.resolve("err")).contains(" backend=degraded ")) {
            // A kernel job also catches the double-forked sleep, which the degraded backend cannot see.
            await().atMost(Duration.ofSeconds(2)).until(() -> tagged().isEmpty());
        }
    }

    @Test
    void memoryLimitOomKillsTheCommandEndToEnd() throws Exception {
        Requirements.cgroupV1();
        Requirements.require(Jobs.backends().stream().anyMatch(b -> b.name().equals("cgroup1")), "needs the cgroup1 backend in this build");
        Requirements.command("python3");
        Cli.Result r = Cli.run("run", "-v", "--name", name, "--memory", "64m", "--", "python3", "-c", "b = b'x' * (256 << 20)");
        assertEquals(137, r.code(), r::toString);
        assertTrue(r.err().contains(" backend=cgroup1 "), r::toString);
        assertTrue(r.err().lines().anyMatch(l -> EVENT.matcher(l).matches() && l.contains(" limit.job-memory ")), r::toString);
        assertEquals(List.of(), Cli.cgroupsNamed(name));
    }

    @Test
    void jolokiaServesTheJobOverHttp() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Process cli = new ProcessBuilder(Cli.command(List.of(), List.of(), "run", "--quiet", "--name", name, "--jolokia", "127.0.0.1:" + port,
                "--", "sleep", tag)).redirectError(tmp.resolve("err").toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        started.add(cli.toHandle());
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + port + "/jolokia/read/jobgov:type=Job,name=" + name + "/Name");
        String[] body = new String[1];
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(uri).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            body[0] = r.body();
            return r.statusCode() == 200 && r.body().contains("\"status\":200");
        });
        assertTrue(body[0].contains("\"value\":\"" + name + "\""), body[0]);
        cli.destroy();
        assertTrue(cli.waitFor(10, TimeUnit.SECONDS));
        assertEquals("", read(tmp.resolve("err")), "--quiet: no events, no log lines");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return e.toString();
        }
    }
}
