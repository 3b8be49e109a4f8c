package jobgov.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.tools.attach.VirtualMachine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/** The agent loaded into a JVM that was started without it (the Attach API, as {@code jobgov attach} does). */
class AgentAttachIT {
    @Test
    void attachedAgentGovernsTheJvmAndItsExistingChildren() throws Exception {
        Requirements.cgroupV1();
        String jobName = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
        try (HostJvm host = HostJvm.start(null, TreeHost.class.getName())) {
            assertEquals("ready " + host.pid() + " job=null status=null", host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60)));
            long shell = host.spawn("pair"); // no double fork: a reparented process is out of the JVM's reach (README)
            await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(shell).map(h -> h.descendants().count() == 2).orElse(false));
            List<Long> existing = new ArrayList<>();
            ProcessHandle.of(host.pid()).orElseThrow().descendants().forEach(h -> existing.add(h.pid()));
            host.track(existing.stream().mapToLong(Long::longValue).toArray());

            loadAgent(host.pid(), "name=" + jobName + ",processes=400");

            MBeanServerConnection jmx = host.jmx().getMBeanServerConnection();
            ObjectName job = new ObjectName("jobgov:type=Job,name=" + jobName);
            ObjectName agent = new ObjectName("jobgov:type=Agent");
            assertEquals("agentmain", jmx.getAttribute(agent, "Entry"));
            assertEquals("governed", jmx.getAttribute(agent, "Status"), Arrays.toString((String[]) jmx.getAttribute(agent, "Problems")));
            assertEquals(0, ((long[]) jmx.getAttribute(agent, "UnassignedProcessIds")).length);
            Set<Long> pids = Arrays.stream((long[]) jmx.getAttribute(job, "ProcessIds")).boxed().collect(Collectors.toSet());
            assertTrue(pids.contains(host.pid()), "the running JVM moved into the job: " + pids);
            assertTrue(pids.containsAll(existing), "and its children that existed before the attach: " + existing + " in " + pids);
            assertEquals(400, jmx.getAttribute(job, "ActiveProcessLimit"));

            // A second attach leaves the first job alone.
            loadAgent(host.pid(), "name=" + jobName + "-again");
            await().atMost(Duration.ofSeconds(5)).until(() -> host.stderr().contains("governed already by job '" + jobName + "'"));
            assertEquals(1, jmx.queryNames(new ObjectName("jobgov:type=Job,*"), null).size());

            jmx.invoke(job, "terminate", new Object[] {9}, new String[] {int.class.getName()});
            await().atMost(Duration.ofSeconds(5)).until(() -> existing.stream().noneMatch(AgentJmxIT::running));
            host.send("alive");
            host.await(l -> l.equals("alive " + host.pid()), Duration.ofSeconds(10));
        }
    }

    @Test
    void aRequiredAttachThatFailsLeavesTheRunningJvmAloneAndSaysWhy() throws Exception {
        try (HostJvm host = HostJvm.start(null, TreeHost.class.getName())) {
            host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
            loadAgent(host.pid(), "require=true,memroy=1g");
            VirtualMachine vm = VirtualMachine.attach(String.valueOf(host.pid()));
            java.util.Properties props;
            try {
                props = vm.getSystemProperties();
            } finally {
                vm.detach();
            }
            assertEquals("ungoverned", props.getProperty("jobgov.agent.status"));
            assertTrue(props.getProperty("jobgov.agent.error", "").contains("unknown option 'memroy'"), props.toString());
            assertEquals(null, props.getProperty("jobgov.job"));
            host.send("alive");
            host.await(l -> l.equals("alive " + host.pid()), Duration.ofSeconds(10));
            MBeanServerConnection jmx = host.jmx().getMBeanServerConnection();
            assertTrue(jmx.queryNames(new ObjectName("jobgov:*"), null).isEmpty(), "nothing of the agent is left registered");
        }
    }

    @Test
    void attachPutsTheWatchdogOutsideTheJobSoKillOnCloseSurvivesTerminateAndASigkilledJvm() throws Exception {
        Requirements.cgroupV1();
        String jobName = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
        try (HostJvm host = HostJvm.start(null, TreeHost.class.getName())) {
            host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
            long before = host.spawn("pair");
            await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(before).map(h -> h.descendants().count() == 2).orElse(false));
            loadAgent(host.pid(), "name=" + jobName);
            MBeanServerConnection jmx = host.jmx().getMBeanServerConnection();
            ObjectName job = new ObjectName("jobgov:type=Job,name=" + jobName);
            long watchdog = ProcessHandle.of(host.pid()).orElseThrow().descendants()
                    .filter(h -> h.info().arguments().map(a -> Arrays.asList(a).contains("jobgov-watchdog-" + jobName)).orElse(false))
                    .findFirst().orElseThrow().pid();
            host.track(watchdog);
            Set<Long> pids = Arrays.stream((long[]) jmx.getAttribute(job, "ProcessIds")).boxed().collect(Collectors.toSet());
            assertTrue(pids.contains(before) && !pids.contains(watchdog), "the watchdog " + watchdog + " is not in the job: " + pids);
            assertEquals(4L, jmx.getAttribute(job, "ActiveProcesses"), "host + the pair's shell and sleeps, not the watchdog");

            jmx.invoke(job, "terminate", new Object[] {9}, new String[] {int.class.getName()});
            await().atMost(Duration.ofSeconds(10)).until(() -> !AgentJmxIT.running(before));
            assertTrue(AgentJmxIT.running(watchdog), "terminate does not reach the watchdog");

            long after = host.spawn("tree");
            await().atMost(Duration.ofSeconds(10)).until(() -> ((long[]) jmx.getAttribute(job, "ProcessIds")).length >= 5);
            List<Long> children = new ArrayList<>();
            Arrays.stream((long[]) jmx.getAttribute(job, "ProcessIds")).filter(p -> p != host.pid()).forEach(children::add);
            assertTrue(children.contains(after), children.toString());
            host.track(children.stream().mapToLong(Long::longValue).toArray());
            List<java.nio.file.Path> dirs = new ArrayList<>();
            for (String part : ((String) jmx.getAttribute(job, "Location")).split(" ")) {
                dirs.add(java.nio.file.Path.of(part.substring(part.indexOf('=') + 1)));
            }

            host.process().destroyForcibly(); // SIGKILL: only the watchdog can close the job now
            await().atMost(Duration.ofSeconds(15)).until(() -> children.stream().noneMatch(AgentJmxIT::running));
            await().atMost(Duration.ofSeconds(15)).until(() -> dirs.stream().noneMatch(java.nio.file.Files::exists));
            await().atMost(Duration.ofSeconds(15)).until(() -> !AgentJmxIT.running(watchdog));
        }
    }

    private static void loadAgent(long pid, String options) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(String.valueOf(pid));
        try {
            vm.loadAgent(Requirements.jobgovJar().toAbsolutePath().toString(), options);
        } finally {
            vm.detach();
        }
    }
}
