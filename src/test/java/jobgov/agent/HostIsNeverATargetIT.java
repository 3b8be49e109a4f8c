package jobgov.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The governing JVM is never a target of its own job (real host JVMs with -javaagent, real cgroups, real
 * rlimits and OOM killer): the per-process limits reach its children, never itself, however they are set;
 * when the job's memory limit is hit, the kernel kills a child, not the host holding a large heap.
 */
class HostIsNeverATargetIT {
    private static final String HOST = ChildrenHost.class.getName();

    @BeforeEach
    void cgroups() {
        Requirements.cgroupV1();
    }

    @Test
    void perProcessLimitsFromAgentOptionsReachTheChildrenNeverTheHost() throws Exception {
        String job = jobName();
        try (HostJvm host = HostJvm.start("name=" + job + ",process-memory=1g,process-time=2s", HOST)) {
            assertEquals("ready " + host.pid() + " job=" + job + " status=governed",
                    host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60)), host.stderr());
            assertEquals(limit("self", "Max address space"), limit(host.pid(), "Max address space"), "the host has no RLIMIT_AS");
            assertEquals(limit("self", "Max cpu time"), limit(host.pid(), "Max cpu time"), "the host has no RLIMIT_CPU");

            // more CPU than process-time allows: the host is not SIGXCPUed
            host.send("burn 3");
            String burned = host.await(l -> l.startsWith("burned "), Duration.ofSeconds(120));
            assertTrue(Long.parseLong(burned.split(" ")[1]) >= 3000, burned);

            // a child started the plain way (it cannot inherit what the host does not have) gets both limits
            long child = host.spawn("sleeper");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertEquals("1073741824", limit(child, "Max address space").get(0), "RLIMIT_AS soft of the child");
                assertEquals("2", limit(child, "Max cpu time").get(0), "RLIMIT_CPU soft of the child");
            });
            host.send("alive");
            host.await(l -> l.startsWith("alive "), Duration.ofSeconds(20));
        }
    }

    @Test
    void processMemoryWrittenOverJmxOnARunningHostLeavesTheHostsLimitsAlone() throws Exception {
        String job = jobName();
        try (HostJvm host = HostJvm.start("name=" + job, HOST)) {
            host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
            long child = host.spawn("sleeper");
            MBeanServerConnection jmx = host.jmx().getMBeanServerConnection();
            ObjectName bean = new ObjectName("jobgov:type=Job,name=" + job);
            await().atMost(Duration.ofSeconds(10)).until(() -> pids(jmx, bean).contains(child));
            String hostBefore = Files.readString(Path.of("/proc", String.valueOf(host.pid()), "limits"));

            jmx.setAttribute(bean, new Attribute("ProcessMemoryLimitBytes", 512L << 20));
            assertEquals(512L << 20, jmx.getAttribute(bean, "ProcessMemoryLimitBytes"));
            assertEquals(String.valueOf(512L << 20), limit(child, "Max address space").get(0), "the child has it at once");
            jmx.invoke(bean, "setLimits", new Object[] {"process-memory=768m,process-time=5s"}, new String[] {String.class.getName()});
            assertEquals(String.valueOf(768L << 20), limit(child, "Max address space").get(0));
            assertEquals("5", limit(child, "Max cpu time").get(0));
            assertEquals(hostBefore, Files.readString(Path.of("/proc", String.valueOf(host.pid()), "limits")), "the host's limits are unchanged");

            // and the host still allocates and runs
            host.send("heap 32");
            host.await(l -> l.equals("heap 32"), Duration.ofSeconds(60));
            host.send("burn 6");
            host.await(l -> l.startsWith("burned "), Duration.ofSeconds(120));
        }
    }

    @Test
    void theJobsMemoryLimitKillsTheChildNotTheHostWithALargeHeap() throws Exception {
        String job = jobName();
        try (HostJvm host = HostJvm.start("name=" + job + ",memory=320m", List.of("-Xmx256m", "-Xms200m"), List.of(),
                java.util.Map.of(), HOST)) {
            host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
            host.send("heap 150");
            host.await(l -> l.equals("heap 150"), Duration.ofSeconds(60));
            assertTrue(adj(host.pid()) <= adj("self"), "the host's OOM score is never raised");
            for (int round = 1; round <= 3; round++) {
                long hog = host.spawn("hog");
                // the job has seen it (a child the host forks itself gets its OOM score on the job's next tick)
                await().atMost(Duration.ofSeconds(10)).until(() -> adj(hog) - adj(host.pid()) >= 999);
                host.send("go " + hog);
                host.await(l -> l.startsWith("exited " + hog + " "), Duration.ofSeconds(60));
                assertEquals("exited " + hog + " 137", host.lines().stream().filter(l -> l.startsWith("exited " + hog + " ")).findFirst().get(),
                        "round " + round + ": the child was SIGKILLed by the OOM killer");
                host.send("alive");
                String alive = "alive " + host.pid() + " heap 150";
                int seen = (int) host.lines().stream().filter(alive::equals).count();
                // generous: right after an OOM kill the host's cgroup is still reclaiming, and CI may be loaded
                await().atMost(Duration.ofSeconds(90)).until(() -> host.lines().stream().filter(alive::equals).count() > seen);
                assertTrue(host.process().isAlive(), "round " + round + ": the host survived");
            }
            // any child, not just a hog
            long child = host.spawn("sleeper");
            await().atMost(Duration.ofSeconds(10)).until(() -> adj(child) - adj(host.pid()) >= 999);
        }
    }

    private static String jobName() {
        return "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static List<Long> pids(MBeanServerConnection jmx, ObjectName bean) throws Exception {
        return java.util.Arrays.stream((long[]) jmx.getAttribute(bean, "ProcessIds")).boxed().toList();
    }

    /** The soft and hard value of one line of /proc/PID/limits. */
    private static List<String> limit(Object pid, String prefix) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "limits"))) {
            if (line.startsWith(prefix)) {
                String[] f = line.substring(prefix.length()).trim().split("\\s+");
                return List.of(f[0], f[1]);
            }
        }
        throw new IllegalStateException("no " + prefix + " in /proc/" + pid + "/limits");
    }

    private static int adj(Object pid) throws IOException {
        return Integer.parseInt(Files.readString(Path.of("/proc", String.valueOf(pid), "oom_score_adj")).trim());
    }
}
