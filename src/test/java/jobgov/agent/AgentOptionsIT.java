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

/** What the agent does with no options, bad options and refused limits: the host always starts; what went wrong is in the Agent MBean. */
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

    @Test
    void unknownOptionFallsBackToTheDefaultsAndSaysSo() throws Exception {
        try (HostJvm host = HostJvm.start("memroy=1g", TreeHost.class.getName())) {
            String expected = TreeHost.class.getName() + "-" + host.pid();
            assertEquals("ready " + host.pid() + " job=" + expected + " status=degraded",
                    host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60)), host.stderr());
            assertTrue(host.stderr().contains("unknown option 'memroy'"), host.stderr());
            MBeanServerConnection jmx = host.jmx().getMBeanServerConnection();
            assertEquals("degraded", jmx.getAttribute(AGENT, "Status"));
            String[] problems = (String[]) jmx.getAttribute(AGENT, "Problems");
            assertTrue(problems.length == 1 && problems[0].contains("unknown option 'memroy'"), Arrays.toString(problems));
            assertEquals("cgroup1", jmx.getAttribute(name("jobgov:type=Job,name=" + expected), "Backend"), "still in a real job");
        }
    }

    @Test
    void refusedOptionLimitsLeaveAJobWithoutThem() throws Exception {
        String jobName = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
        try (HostJvm host = HostJvm.start("name=" + jobName + ",memory=256m,ui-restrictions=desktop", TreeHost.class.getName())) {
            assertEquals("ready " + host.pid() + " job=" + jobName + " status=degraded",
                    host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60)), host.stderr());
            MBeanServerConnection jmx = host.jmx().getMBeanServerConnection();
            String[] problems = (String[]) jmx.getAttribute(AGENT, "Problems");
            assertTrue(Arrays.stream(problems).anyMatch(p -> p.contains("ui-restrictions") && p.contains("refused")), Arrays.toString(problems));
            ObjectName job = name("jobgov:type=Job,name=" + jobName);
            assertEquals("", jmx.getAttribute(job, "LimitSpec"), "all-or-nothing: memory=256m was not applied either");
            assertTrue(Arrays.stream((long[]) jmx.getAttribute(job, "ProcessIds")).anyMatch(p -> p == host.pid()));
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
