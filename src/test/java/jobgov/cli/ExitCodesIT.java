package jobgov.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every exit code {@code jobgov run --help} and docs/cli.md list, produced for real: the codes are read from the help
 * and from the docs' table, so a code documented in one place and not the other, or documented and never produced,
 * fails here. Then set, terminate and status: 0, 1 and 2 as their help says.
 */
class ExitCodesIT {
    @TempDir
    Path tmp;

    /** The codes a help text lists under "Exit codes:" (N and 128+N as written). */
    static List<String> helpCodes(String help) {
        String list = help.substring(help.indexOf("Exit codes:"));
        Matcher m = Pattern.compile("(?m)^\\s+(\\d+|N|128\\+N)\\s").matcher(list);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** The codes of the "Exit codes of `run`" table in docs/cli.md. */
    static List<String> docCodes() throws Exception {
        String doc = Files.readString(Path.of("docs", "cli.md"));
        String table = doc.substring(doc.indexOf("Exit codes of `run`"));
        table = table.substring(0, table.indexOf("\n\n", table.indexOf("| code |")));
        Matcher m = Pattern.compile("(?m)^\\| (\\d+|N|128\\+N) \\|").matcher(table);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void everyExitCodeOfRunIsDocumentedTwiceAndProduced() throws Exception {
        Requirements.cgroupV1();
        Cli.Result help = Cli.run("run", "--help");
        List<String> documented = helpCodes(help.out());
        assertEquals(new TreeSet<>(documented), new TreeSet<>(docCodes()), "run --help and docs/cli.md list different exit codes");

        Path script = tmp.resolve("not-executable.sh");
        Files.writeString(script, "#!/bin/sh\necho never\n");
        Path badPolicy = tmp.resolve("bad.groovy");
        Files.writeString(badPolicy, "job { memory '64m'\n");
        Map<String, Cli.Result> produced = new LinkedHashMap<>();
        produced.put("N", Cli.run("run", "-q", "--", "sh", "-c", "exit 3"));
        produced.put("128+N", Cli.run("run", "-q", "--", "sh", "-c", "kill -USR1 $$"));
        produced.put("2", Cli.run("run", "--memory", "lots", "--", "true"));
        produced.put("124", Cli.run("run", "-q", "--timeout", "1s", "--", "sleep", "30"));
        produced.put("125", Cli.run("run", "-q", "--policy", badPolicy.toString(), "--", "true"));
        produced.put("126", Cli.run("run", "-q", "--", script.toString()));
        produced.put("127", Cli.run("run", "-q", "--", "no-such-command-" + UUID.randomUUID()));
        assertEquals(3, produced.get("N").code(), produced.get("N").toString());
        assertEquals(128 + 10, produced.get("128+N").code(), "SIGUSR1 is 10: " + produced.get("128+N"));
        for (String code : List.of("2", "124", "125", "126", "127")) {
            assertEquals(Integer.parseInt(code), produced.get(code).code(), code + ": " + produced.get(code));
            if (!code.equals("124")) {
                assertEquals(1, produced.get(code).errLines().size(), "one line on stderr: " + produced.get(code));
            }
        }
        assertEquals(new TreeSet<>(documented), new TreeSet<>(produced.keySet()), "a documented code is not produced here");

        // 143 and 130 (the 128+N of jobgov itself stopped by SIGTERM or SIGINT): the job is closed, the code says which
        for (String[] signal : List.of(new String[] {"TERM", "143"}, new String[] {"INT", "130"})) {
            String name = "exit-" + signal[0].toLowerCase() + "-" + UUID.randomUUID().toString().substring(0, 8);
            // A JVM that starts with SIGINT ignored keeps it ignored (nohup semantics), and a test run started in the
            // background of a non-interactive shell hands SIGINT ignored to every child: give jobgov the default.
            List<String> command = new java.util.ArrayList<>(List.of("env", "--default-signal=INT,TERM"));
            command.addAll(Cli.command(List.of(), List.of(), "run", "-q", "--name", name, "--", "sleep", "300"));
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(tmp.resolve(name).toFile()).start();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> !Cli.cgroupsNamed("jobgov-" + name + ".").isEmpty()
                        && p.descendants().anyMatch(h -> h.info().command().orElse("").endsWith("sleep")));
                new ProcessBuilder("kill", "-" + signal[0], Long.toString(p.pid())).start().waitFor(10, TimeUnit.SECONDS);
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "jobgov run did not stop on SIG" + signal[0]);
                assertEquals(Integer.parseInt(signal[1]), p.exitValue(), Files.readString(tmp.resolve(name)));
                await().atMost(Duration.ofSeconds(30)).until(() -> Cli.cgroupsNamed("jobgov-" + name + ".").isEmpty());
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void setTerminateAndStatusExitAsTheirHelpSays() throws Exception {
        Requirements.jobgovJar();
        String nobody = "no-such-job-" + UUID.randomUUID().toString().substring(0, 8);
        for (String command : List.of("set", "terminate", "status")) {
            List<String> codes = helpCodes(Cli.run(command, "--help").out());
            assertEquals(List.of("0", "1", "2"), codes, command + " --help");
            Cli.Result missing = command.equals("set") ? Cli.run("set", nobody, "memory=64m") : Cli.run(command, nobody);
            assertEquals(1, missing.code(), command + ": " + missing);
            assertEquals(1, missing.errLines().size(), missing.toString());
            assertTrue(missing.err().contains("no governed JVM runs a job named '" + nobody + "'"), missing.toString());
            Cli.Result bad = Cli.run(command, "--no-such-flag");
            assertEquals(2, bad.code(), command + ": " + bad);
            assertEquals(1, bad.errLines().size(), bad.toString());
        }
        Cli.Result badLimit = Cli.run("set", nobody, "memory=lots");
        assertEquals(2, badLimit.code(), "a bad value is refused before anything is sent: " + badLimit);
    }

    @Test
    void attachListAndPruneExitAsTheirHelpSays() throws Exception {
        Requirements.jobgovJar();
        assertEquals(List.of("0", "1", "2"), helpCodes(Cli.run("attach", "--help").out()), "attach --help");
        assertEquals(List.of("0", "1", "2"), helpCodes(Cli.run("prune", "--help").out()), "prune --help");
        assertEquals(List.of("0", "2"), helpCodes(Cli.run("list", "--help").out()), "list --help");
        for (String command : List.of("attach", "list", "prune")) {
            Cli.Result bad = Cli.run(command, "--no-such-flag");
            assertEquals(2, bad.code(), command + ": " + bad);
            assertEquals(1, bad.errLines().size(), bad.toString());
        }
        assertEquals(2, Cli.run("attach", "not-a-pid").code(), "attach takes a pid");
        Process sleeper = new ProcessBuilder("sleep", "60").start(); // a live process that is no JVM
        try {
            for (long pid : new long[] {sleeper.pid(), Long.MAX_VALUE}) {
                Cli.Result notAJvm = Cli.run("attach", Long.toString(pid));
                assertEquals(1, notAJvm.code(), "attach " + pid + ": " + notAJvm);
                assertEquals(1, notAJvm.errLines().size(), notAJvm.toString());
            }
            assertTrue(sleeper.isAlive(), "attach leaves a process that is no JVM alone");
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
        Cli.Result list = Cli.run("list");
        assertEquals(0, list.code(), list.toString());
        Cli.Result dryRun = Cli.run("prune", "--dry-run");
        assertEquals(0, dryRun.code(), dryRun.toString());
    }
}
