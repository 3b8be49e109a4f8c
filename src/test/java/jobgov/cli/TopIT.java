package jobgov.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jobgov top} against real jobs: a {@code jobgov run} whose command forks ten short processes a second (so
 * its job sends events), under memory and task limits, and a JVM governed by the agent with one child; the rows
 * come from the jobs' real cgroups and the events from their JVMs over JMX.
 */
class TopIT {
    @TempDir
    Path tmp;

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String forks = "top-a-" + id;
    private final String agent = "top-b-" + id;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : started) {
            p.destroy(); // run: SIGTERM closes its job; the agent's JVM kills its child on exit (kill-on-close)
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private void startJobs() throws Exception {
        Requirements.cgroupV1();
        started.add(new ProcessBuilder(Cli.command(List.of(), List.of(), "run", "-q", "--name", forks, "--memory", "128m",
                "--processes", "32", "--", "sh", "-c", "while :; do sleep 0.1; done"))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("run.log").toFile()).start());
        Process host = new ProcessBuilder(Cli.java(), "-javaagent:" + Requirements.jobgovJar().toAbsolutePath() + "=name=" + agent,
                "-cp", System.getProperty("jobgov.testClasses", "target/test-classes"), SleepingHost.class.getName(), "300")
                .redirectErrorStream(true).start();
        started.add(host);
        // JDK 24+ prints its native-access warning (JNA) on stderr before main: read on to the host's first word
        BufferedReader out = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder before = new StringBuilder();
        String ready = out.readLine();
        while (ready != null && !ready.startsWith("ready") && before.length() < 4096) {
            before.append(ready).append('\n');
            ready = out.readLine();
        }
        assertTrue(ready != null && ready.startsWith("ready"), "agent host: " + before + ready);
    }

    @Test
    void oneFrameShowsEveryJobWithItsLimitsCpuAndEvents() throws Exception {
        startJobs();
        Map<String, List<String>> rows = new TreeMap<>();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Cli.Result r = Cli.run("top", "--once", "--interval", "1s");
            rows.clear();
            rows.putAll(rows(r.out()));
            List<String> a = rows.get(forks);
            List<String> b = rows.get(agent);
            // ready once both JVMs answer over JMX (EVENTS/S is a number) and the forks show as events
            return r.code() == 0 && a != null && b != null && !a.get(9).equals("-") && Double.parseDouble(a.get(9)) > 0
                    && !b.get(9).equals("-");
        });
        List<String> a = rows.get(forks);
        assertEquals("run", a.get(2), a.toString());
        assertTrue(Double.parseDouble(a.get(3)) >= 0, "CPU% over the interval: " + a);
        assertTrue(a.get(4).matches("[0-9.]+[BKMG]"), "memory now: " + a);
        assertEquals("128.0M", a.get(5), "the memory limit: " + a);
        assertEquals("32", a.get(8), "the task limit: " + a);
        assertTrue(Integer.parseInt(a.get(7)) >= 1, "tasks now: " + a);
        List<String> b = rows.get(agent);
        assertEquals("agent", b.get(2), b.toString());
        assertEquals("-", b.get(5), "no memory limit: " + b);
        assertTrue(Integer.parseInt(b.get(7)) >= 2, "the JVM's threads and its child count as tasks: " + b);
    }

    @Test
    void rowsAreSortedByTheKeyAskedFor() throws Exception {
        startJobs();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Cli.Result r = Cli.run("top", "--once", "-d", "1s", "--sort", "name");
            List<String> order = names(r.out());
            return order.indexOf(forks) >= 0 && order.indexOf(forks) < order.indexOf(agent);
        });
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Cli.Result r = Cli.run("top", "--once", "-d", "1s", "--sort", "pid");
            List<String> order = names(r.out());
            // the run was started first, so its JVM has the lower pid (pid_max wraps rarely; the agent's is re-read)
            Map<String, List<String>> rows = rows(r.out());
            return rows.containsKey(forks) && rows.containsKey(agent)
                    && (Long.parseLong(rows.get(forks).get(0)) < Long.parseLong(rows.get(agent).get(0))) == (order.indexOf(forks) < order.indexOf(agent));
        });
    }

    @Test
    void withoutATerminalFramesFollowEachOtherWithoutScreenCodes() throws Exception {
        Requirements.jobgovJar();
        Cli.Result r = Cli.run("top", "-n", "2", "-d", "200ms");
        assertEquals(0, r.code(), r.toString());
        assertEquals(2, r.out().lines().filter(l -> l.startsWith("jobgov top - ")).count(), r.out());
        assertFalse(r.out().contains("\033"), r.out());
        assertTrue(r.out().contains("PID      JOB"), r.out());
    }

    @Test
    void badValuesAreOneLineAndExit2() throws Exception {
        Requirements.jobgovJar();
        for (String[] args : List.of(new String[] {"top", "-d", "10ms"}, new String[] {"top", "--sort", "bogus"},
                new String[] {"top", "-n", "0"}, new String[] {"top", "-d", "soon"})) {
            Cli.Result r = Cli.run(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r);
            assertEquals(1, r.errLines().size(), r.toString());
        }
    }

    /** Rows by job name, as the columns PID JOB SOURCE CPU% MEMORY MEM-LIMIT MEM% TASKS LIMIT EVENTS/S. */
    static Map<String, List<String>> rows(String out) {
        Map<String, List<String>> rows = new TreeMap<>();
        for (String line : out.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 10 && f[0].matches("[0-9]+")) {
                rows.put(f[1], List.of(f));
            }
        }
        return rows;
    }

    static List<String> names(String out) {
        List<String> names = new ArrayList<>();
        for (String line : out.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 10 && f[0].matches("[0-9]+")) {
                names.add(f[1]);
            }
        }
        return names;
    }
}
