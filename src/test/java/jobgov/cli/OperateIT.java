package jobgov.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** set, terminate, status --json and prune against a real jobgov run (a governed JVM) and real cgroups. */
class OperateIT {
    @TempDir
    Path tmp;

    private final String name = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<Process> started = new ArrayList<>();
    private final List<Path> made = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : started) {
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        for (Path d : made) {
            Files.deleteIfExists(d);
        }
    }

    private Process governedSleep() throws Exception {
        Process cli = new ProcessBuilder(Cli.command(List.of(), List.of(), "run", "--quiet", "--name", name, "--", "sleep", "300"))
                .redirectError(tmp.resolve("err").toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        started.add(cli);
        await().atMost(Duration.ofSeconds(120)).until(() -> Cli.run("status", name).code() == 0); // a loaded machine: a JVM start alone took 13 s at load 24
        return cli;
    }

    @Test
    void setChangesTheRunningJobsLimitsAllOrNothing() throws Exception {
        Requirements.cgroupV1();
        governedSleep();
        Cli.Result ok = Cli.run("set", name, "memory=48m", "processes=12");
        assertEquals(0, ok.code(), ok::toString);
        assertTrue(ok.out().contains("memory=48m,processes=12"), ok::toString);
        Path pidsMax = Cli.cgroupsNamed(name).stream().filter(p -> p.startsWith("/sys/fs/cgroup/pids")).findFirst().orElseThrow().resolve("pids.max");
        assertEquals("12", Files.readString(pidsMax).trim(), "the kernel has the new limit");

        Cli.Result bad = Cli.run("set", name, "processes=20", "memory=lots");
        assertEquals(2, bad.code(), bad::toString);
        assertEquals("12", Files.readString(pidsMax).trim(), "a bad value changes nothing");

        Cli.Result refused = Cli.run("set", name, "processes=20", "affinity=63");
        assertEquals(1, refused.code(), refused::toString);
        assertTrue(refused.err().contains("nothing changed") && !refused.err().contains("JOB_OBJECT"), refused::toString);
        assertEquals("12", Files.readString(pidsMax).trim(), "all or nothing: processes did not change either");

        Cli.Result json = Cli.run("status", name, "--json");
        assertEquals(0, json.code(), json::toString);
        assertTrue(json.out().startsWith("{\"source\":") && json.out().contains("\"name\":\"" + name + "\"")
                && json.out().contains("\"limits\":\"memory=48m,processes=12\"") && json.out().contains("\"activeProcesses\":"), json::toString);
        Cli.Result text = Cli.run("status", name);
        assertFalse(text.out().contains("Millis "), "units are in the value, not a mislabelled name: " + text.out());
    }

    @Test
    void terminateKillsTheJobsProcesses() throws Exception {
        Process cli = governedSleep();
        Cli.Result r = Cli.run("terminate", name);
        assertEquals(0, r.code(), r::toString);
        assertTrue(cli.waitFor(20, TimeUnit.SECONDS), "the command died, so jobgov run ended");
        assertEquals(128 + 9, cli.exitValue());
        Cli.Result none = Cli.run("terminate", "jobgov-test-no-such-job");
        assertEquals(1, none.code(), none::toString);
        Cli.Result noTarget = Cli.run("terminate");
        assertEquals(2, noTarget.code(), noTarget::toString);
    }

    @Test
    void pruneRemovesOnlyStaleEmptyJobCgroups() throws Exception {
        Requirements.cgroupV1();
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path stale = Path.of("/sys/fs/cgroup/pids/" + "jobgov-" + name + ".stale." + gone.pid());
        Files.createDirectory(stale);
        made.add(stale);
        Path alive = Path.of("/sys/fs/cgroup/pids/jobgov-" + name + ".live." + ProcessHandle.current().pid());
        Files.createDirectory(alive);
        made.add(alive);
        Path notAJob = Path.of("/sys/fs/cgroup/pids/not-a-" + name + "." + gone.pid());
        Files.createDirectory(notAJob);
        made.add(notAJob);

        Cli.Result dry = Cli.run("prune", "--dry-run");
        assertEquals(0, dry.code(), dry::toString);
        assertTrue(dry.out().contains("would remove " + stale), dry::toString);
        assertTrue(Files.isDirectory(stale), "--dry-run removes nothing");

        Cli.Result r = Cli.run("prune");
        assertFalse(Files.exists(stale), r::toString);
        assertTrue(Files.isDirectory(alive), "a job whose owner lives is not stale");
        assertTrue(Files.isDirectory(notAJob), "not named like a job: never touched");
        assertFalse(r.out().contains(alive.toString()) || r.out().contains(notAJob.toString()), r::toString);
    }
}
