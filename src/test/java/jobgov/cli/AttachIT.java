package jobgov.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import jobgov.degraded.DegradedBackend;
import jobgov.jmx.JobMBeans;
import jobgov.job.Job;
import jobgov.job.JobSpec;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** attach, list and status against real JVMs started without the agent, through the packaged jar. */
class AttachIT {
    @TempDir
    Path tmp;

    private final String name = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Process p : started) {
            // SIGTERM first: the governing JVM closes its job and removes the job's cgroups.
            List<ProcessHandle> tree = p.descendants().toList();
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            tree.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** A plain JVM (no agent) with one child; returns once it is ready. */
    private Process host() throws Exception {
        String classes = System.getProperty("jobgov.testClasses", "target/test-classes");
        Process p = new ProcessBuilder(Cli.java(), "-cp", classes, SleepingHost.class.getName(), "300")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        started.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertTrue(line != null && line.startsWith("ready "), "host started: " + line);
        return p;
    }

    /** The Job MBean must register for status to have something to read (the agent work provides it). */
    private static void requireJobMBean() {
        boolean ok;
        try (Job j = Job.create(new DegradedBackend(), JobSpec.named("jobgov-test-probe-" + UUID.randomUUID().toString().substring(0, 8)));
                AutoCloseable registered = JobMBeans.register(j)) {
            ok = registered != null;
        } catch (Exception | LinkageError e) {
            ok = false;
        }
        Requirements.require(ok, "needs a Job MBean that registers (jobgov.jmx.JobMBeans)");
    }

    /** The failure rule: a bad agent option is refused with exit 2 and nothing is loaded into the target. */
    @Test
    void attachRefusesABadAgentOptionWithExitTwoAndAttachesNothing() throws Exception {
        Process host = host();
        Path open = Files.writeString(tmp.resolve("open.groovy"), "job { processes 64 }\n");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-rw-rw-"));
        String[][] cases = {
            {"-o", "memory=64m", "-o", "jolokiaCors=*"},
            {"-o", "memory=abc"},
            {"-o", "memory=64m", "-o", "memory=128m"},
            {"-o", "=5"},
            {"--name", "a/b"},
            {"--policy", open.toString()},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("attach", Long.toString(host.pid())));
            args.addAll(List.of(c));
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(2, r.code(), String.join(" ", c) + ": " + r);
            assertTrue(r.err().contains("bad agent option") || r.err().contains("--option"), String.join(" ", c) + ": " + r);
        }
        // Nothing was loaded: the JVM is not governed yet, so a good attach still works.
        Cli.Result good = Cli.run("attach", Long.toString(host.pid()), "--name", name);
        assertEquals(0, good.code(), good::toString);
    }

    @Test
    void attachGovernsARunningJvmThatListAndStatusThenShow() throws Exception {
        Process host = host();
        long child = host.descendants().findFirst().orElseThrow().pid();

        Cli.Result attach = Cli.run("attach", Long.toString(host.pid()), "--name", name);
        assertEquals(0, attach.code(), attach::toString);
        assertTrue(attach.out().startsWith("pid " + host.pid() + " governed by job " + name + " ("), attach::toString);

        Cli.Result list = Cli.run("list");
        assertEquals(0, list.code(), list::toString);
        assertTrue(list.out().lines().anyMatch(l -> l.matches(host.pid() + "\\s+" + name + "\\s+agent\\s+.*SleepingHost.*")), list::toString);

        requireJobMBean();
        Cli.Result status = Cli.run("status", name);
        assertEquals(0, status.code(), status::toString);
        assertTrue(status.out().contains("job       " + name + "\n"), status::toString);
        assertTrue(status.out().contains("\nbackend   "), status::toString);
        assertTrue(status.out().contains("\nevents    netlink proc connector, "), status::toString);
        assertTrue(status.out().contains("totalProcesses"), status::toString);
        assertTrue(status.out().lines().anyMatch(l -> l.matches("\\s+" + child + "\\s+.*sleep 300")), "the child moved into the job: " + status);
        assertTrue(status.out().lines().anyMatch(l -> l.matches("\\s+" + host.pid() + "\\s+.*SleepingHost.*")), status::toString);

        Cli.Result again = Cli.run("attach", Long.toString(host.pid()));
        assertEquals(1, again.code(), again::toString);
        assertTrue(again.err().contains("governed already, by job '" + name + "'"), again::toString);
    }

    @Test
    void statusWatchRedrawsInPlace() throws Exception {
        Process host = host();
        Cli.Result attach = Cli.run("attach", Long.toString(host.pid()), "--name", name);
        assertEquals(0, attach.code(), attach::toString);
        requireJobMBean();
        Path out = tmp.resolve("watch.txt");
        Process watch = new ProcessBuilder(Cli.command(List.of(), List.of(), "status", Long.toString(host.pid()), "--watch", "--interval", "200ms"))
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        started.add(watch);
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(out).split("\033\\[H\033\\[2J", -1).length >= 4);
        watch.destroy();
        assertTrue(watch.waitFor(10, TimeUnit.SECONDS));
        String last = Files.readString(out);
        assertTrue(last.contains("job       " + name), last);
    }

    @Test
    void jobsOfJobgovRunAreListed() throws Exception {
        String tag = Long.toString(200_000 + (long) (Math.random() * 700_000));
        Process run = new ProcessBuilder(Cli.command(List.of(), List.of(), "run", "--quiet", "--name", name, "--", "sleep", tag))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        started.add(run);
        await().atMost(Duration.ofSeconds(20)).until(() -> run.descendants().findAny().isPresent());
        await().atMost(Duration.ofSeconds(30)).until(() -> Cli.run("list").out().lines()
                .anyMatch(l -> l.matches(run.pid() + "\\s+" + name + "\\s+run\\s+running\\s+.*")));

        requireJobMBean();
        Cli.Result status = Cli.run("status", name);
        assertEquals(0, status.code(), status::toString);
        assertTrue(status.out().lines().anyMatch(l -> l.matches("\\s+\\d+\\s+\\S*sleep " + tag)), status::toString);
    }

    @Test
    void attachRefusesWhatIsNoJvmOfThisUser() throws Exception {
        Cli.Result none = Cli.run("attach", "999999999");
        assertEquals(1, none.code(), none::toString);
        assertEquals(List.of("jobgov attach: no process with pid 999999999"), none.errLines());

        Process sleep = new ProcessBuilder("sleep", "300").start();
        started.add(sleep);
        Cli.Result notJvm = Cli.run("attach", Long.toString(sleep.pid()));
        assertEquals(1, notJvm.code(), notJvm::toString);
        assertEquals(List.of("jobgov attach: pid " + sleep.pid() + " (/usr/bin/sleep) is not a Java virtual machine"), notJvm.errLines());
        // The attach handshake's SIGQUIT would have killed it: it was never sent.
        assertFalse(sleep.waitFor(500, TimeUnit.MILLISECONDS), "the process is untouched");

        Cli.Result badOption = Cli.run("attach", Long.toString(sleep.pid()), "-o", "bogus=1");
        assertEquals(2, badOption.code(), badOption::toString);
        assertEquals(1, badOption.errLines().size(), badOption::toString);
        assertTrue(badOption.err().contains("unknown option 'bogus'"), badOption::toString);
    }

    @Test
    void attachRefusesAnotherUsersJvm() throws Exception {
        Requirements.require(Requirements.isRoot(), "needs root to run jobgov as the user nobody");
        Requirements.command("setpriv");
        Process host = host();
        Path dir = Files.createDirectory(tmp.resolve("shared"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.copy(Requirements.jobgovJar(), dir.resolve("jobgov.jar"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        Cli.Result r = Cli.run(new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                Cli.java(), "-jar", jar.toString(), "attach", Long.toString(host.pid())).directory(dir.toFile()));
        assertEquals(1, r.code(), r::toString);
        assertEquals(List.of("jobgov attach: pid " + host.pid() + " belongs to user root, and jobgov runs as nobody: run jobgov attach as root"),
                r.errLines());
    }
}
