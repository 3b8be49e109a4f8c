package jobgov.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the agent does with no options, good options, bad options and refused limits (the failure rule of docs/agent.md). */
class AgentOptionsIT {
    private static final ObjectName AGENT = name("jobgov:type=Agent");

    @BeforeEach
    void cgroups() {
        Requirements.cgroupV1();
    }

    @Test
    void noOptionsNamesTheJobAfterTheMainClassAndKillsTheTreeWhenTheHostIsKilled() throws Exception {
        try (HostJvm host = HostJvm.start("", TreeHost.class.getName())) {
            String expected = TreeHost.class.getName() + "-" + host.pid();
            assertEquals("ready " + host.pid() + " job=" + expected + " status=governed",
                    host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60)), host.stderr());
            MBeanServerConnection jmx = host.jmx().getMBeanServerConnection();
            ObjectName job = name("jobgov:type=Job,name=" + expected);
            assertEquals(true, jmx.getAttribute(job, "KillOnClose"));
            assertEquals("", jmx.getAttribute(job, "LimitSpec"));
            host.spawn("tree");
            await().atMost(Duration.ofSeconds(10)).until(() -> ((long[]) jmx.getAttribute(job, "ProcessIds")).length >= 5);
            List<Long> children = new ArrayList<>();
            Arrays.stream((long[]) jmx.getAttribute(job, "ProcessIds")).filter(p -> p != host.pid()).forEach(children::add);
            host.track(children.stream().mapToLong(Long::longValue).toArray());
            List<Path> dirs = dirs((String) jmx.getAttribute(job, "Location"));

            host.process().destroyForcibly(); // SIGKILL: no shutdown hook; the backend's watchdog closes the job
            await().atMost(Duration.ofSeconds(10)).until(() -> children.stream().noneMatch(AgentJmxIT::running));
            await().atMost(Duration.ofSeconds(10)).until(() -> dirs.stream().noneMatch(Files::exists));
        }
    }

    /** The failure rule: a configuration error stops the start before main, with one line naming the option, as a bad -Xmx does. */
    @Test
    void aBadOptionStopsTheStartBeforeMainWithOneLineNamingIt() throws Exception {
        Path policy = Files.createTempFile("jobgov-options-it", ".groovy");
        Files.writeString(policy, "job { processes 64 }\n");
        try {
            Files.setPosixFilePermissions(policy, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
            String[][] cases = {
                {"memory=64m,jolokiaCors=*", "jolokiaCors"},
                {"memory=abc", "memory"},
                {"memory=64m,memory=128m", "memory"},
                {"memory=64m,=5", "missing key"},
                {"memroy=1g", "memroy"},
                {"killOnClose=maybe", "kill-on-close"},
                {"name=a/b", "name"},
                {"processes=-3", "processes"},
                {"/nonexistent/guard.groovy", "/nonexistent/guard.groovy"},
                {policy + ",name=x", "writable by every user"},
            };
            for (String[] c : cases) {
                try (HostJvm host = HostJvm.start(c[0], TreeHost.class.getName())) {
                    assertEquals(1, host.waitFor(Duration.ofSeconds(60)), c[0] + ": " + host.stderr());
                    assertEquals(List.of(), host.lines(), c[0] + ": main never ran");
                    List<String> err = host.stderr().lines().toList();
                    List<String> ours = err.stream().filter(l -> l.contains("jobgov")).toList();
                    assertEquals(1, ours.size(), c[0] + ": one line, got " + err);
                    assertTrue(ours.get(0).startsWith("jobgov: bad agent options") && ours.get(0).contains(c[1]), c[0] + ": " + ours);
                    assertTrue(err.stream().noneMatch(l -> l.startsWith("\tat ") || l.contains("FATAL ERROR")), c[0] + ": " + err);
                }
            }
        } finally {
            Files.deleteIfExists(policy);
        }
    }

    @Test
    void aBadOptionOnADegradedHostIsStillOneLine(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        // As nobody no cgroup can be made: the backend's choice (begun on a helper thread while the options parse)
        // falls to degraded, whose warning must not join the refusal's one line (JobsPrepareIT pins the silence down;
        // here the refusal usually wins the race anyway, so this is the whole start seen from outside).
        Requirements.require(Requirements.isRoot(), "needs root to switch to the user nobody");
        Requirements.command("setpriv");
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.copy(Requirements.jobgovJar(), tmp.resolve("jobgov.jar"));
        Files.setPosixFilePermissions(jar, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        {
            Process p = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                    "-javaagent:" + jar + "=memroy=1g", "-cp", jar.toString(), "jobgov.boot.Boot")
                    .directory(tmp.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            String err = new String(p.getErrorStream().readAllBytes());
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), err);
            assertEquals(1, p.exitValue(), err);
            List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
            assertEquals(1, lines.size(), "one line, got " + lines);
            assertTrue(lines.get(0).startsWith("jobgov: bad agent options") && lines.get(0).contains("memroy"), lines.get(0));
        }
    }

    @Test
    void optionLimitsTheBackendRefusesStopTheStartAndLeaveNoCgroup() throws Exception {
        String jobName = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
        try (HostJvm host = HostJvm.start("name=" + jobName + ",memory=256m,ui-restrictions=desktop", TreeHost.class.getName())) {
            assertEquals(1, host.waitFor(Duration.ofSeconds(60)), host.stderr());
            assertEquals(List.of(), host.lines(), "main never ran");
            List<String> ours = host.stderr().lines().filter(l -> l.contains("jobgov")).toList();
            assertEquals(1, ours.size(), host.stderr());
            assertTrue(ours.get(0).contains("not applied") && ours.get(0).contains("ui-restrictions") && ours.get(0).contains("refused"), ours.get(0));
            assertEquals(List.of(), cgroupsNamed(jobName), "nothing left behind");
        }
    }

    @Test
    void goodOptionsAfterTheRuleStillGovernWithTheirLimits() throws Exception {
        String jobName = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
        try (HostJvm host = HostJvm.start("name=" + jobName + ",memory=256m,processes=64", TreeHost.class.getName())) {
            assertEquals("ready " + host.pid() + " job=" + jobName + " status=governed",
                    host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60)), host.stderr());
            MBeanServerConnection jmx = host.jmx().getMBeanServerConnection();
            assertEquals("memory=256m,processes=64", jmx.getAttribute(name("jobgov:type=Job,name=" + jobName), "LimitSpec"));
            assertEquals(0, ((String[]) jmx.getAttribute(AGENT, "Problems")).length);
        }
    }

    @Test
    void killOnCloseFalseLeavesChildrenRunningAfterExit() throws Exception {
        String jobName = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
        try (HostJvm host = HostJvm.start("name=" + jobName + ",killOnClose=false", TreeHost.class.getName())) {
            host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
            MBeanServerConnection jmx = host.jmx().getMBeanServerConnection();
            ObjectName job = name("jobgov:type=Job,name=" + jobName);
            host.spawn("tree");
            // host, sh, two sleeps and the double-forked one (which only the job's cgroups still know)
            await().atMost(Duration.ofSeconds(10)).until(() -> ((long[]) jmx.getAttribute(job, "ProcessIds")).length == 5);
            List<Long> tree = new ArrayList<>();
            Arrays.stream((long[]) jmx.getAttribute(job, "ProcessIds")).filter(p -> p != host.pid()).forEach(tree::add);
            host.track(tree.stream().mapToLong(Long::longValue).toArray());
            host.send("exit 0");
            assertEquals(0, host.waitFor(Duration.ofSeconds(30)), host.stderr());
            Thread.sleep(500); // give a wrong kill the chance to happen
            assertTrue(tree.stream().allMatch(AgentJmxIT::running), "children outlive the host with killOnClose=false");
        }
    }

    /** Every cgroup directory (any hierarchy, a few levels deep) whose name contains {@code jobName}. */
    private static List<Path> cgroupsNamed(String jobName) throws java.io.IOException {
        List<Path> found = new ArrayList<>();
        try (java.util.stream.Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.filter(p -> Files.isDirectory(p) && !Files.isSymbolicLink(p)).toList()) {
                try (java.util.stream.Stream<Path> walk = Files.walk(h, 5)) {
                    walk.filter(p -> p.getFileName().toString().contains(jobName)).forEach(found::add);
                } catch (java.io.IOException | RuntimeException raced) {
                    // a cgroup vanished while walking: not left over
                }
            }
        }
        return found;
    }

    private static List<Path> dirs(String location) {
        List<Path> out = new ArrayList<>();
        for (String part : location.split(" ")) {
            out.add(Path.of(part.substring(part.indexOf('=') + 1)));
        }
        return out;
    }

    private static ObjectName name(String n) {
        try {
            return new ObjectName(n);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
