package jobgov.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.CompositeData;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real host JVM started with {@code -javaagent:target/jobgov.jar=...} on the cgroup1 backend, driven over
 * a real JMX connection (RMI on loopback, the host's local management agent): attributes, a limit the
 * kernel then enforces, a refused write, notifications, terminate (keep-host), and closing on exit.
 */
class AgentJmxIT {
    private String jobName;
    private HostJvm host;
    private MBeanServerConnection jmx;
    private ObjectName job;

    @BeforeEach
    void start() throws Exception {
        Requirements.cgroupV1();
        jobName = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
        host = HostJvm.start("name=" + jobName + ",processes=512", TreeHost.class.getName());
        String ready = host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
        assertEquals("ready " + host.pid() + " job=" + jobName + " status=governed", ready, host.stderr());
        jmx = host.jmx().getMBeanServerConnection();
        job = new ObjectName("jobgov:type=Job,name=" + jobName);
    }

    @AfterEach
    void stop() throws Exception {
        if (host != null) {
            host.close();
        }
    }

    @Test
    void attributesOfTheHostsJob() throws Exception {
        long shell = host.spawn("tree");
        await().atMost(Duration.ofSeconds(10)).until(() -> pids().size() >= 5); // host, sh, 3 sleeps
        Set<Long> pids = pids();
        assertTrue(pids.contains(host.pid()), "the host JVM is in its own job: " + pids);
        assertTrue(pids.contains(shell), "its child too: " + pids);

        assertEquals(jobName, jmx.getAttribute(job, "Name"));
        assertEquals("cgroup1", jmx.getAttribute(job, "Backend"));
        assertTrue(((String) jmx.getAttribute(job, "Location")).contains(jobName));
        // root on cgroup1: the kernel's process events, then its file notifications; the tick remains for escapes
        await().atMost(Duration.ofSeconds(30)).until(() -> jmx.getAttribute(job, "EventSource"),
                s -> s.equals("netlink proc connector, cgroup.procs every 100 ms (1000 ms when quiet), inotify, eventfd"));
        assertTrue((Long) jmx.getAttribute(job, "ActiveProcesses") >= 5);
        assertTrue((Long) jmx.getAttribute(job, "TotalProcesses") >= 5);
        assertTrue((Long) jmx.getAttribute(job, "TotalUserTimeMillis") > 0, "the host JVM's own CPU time counts");
        assertTrue((Long) jmx.getAttribute(job, "JobMemoryUsedBytes") > 1 << 20);
        assertTrue((Long) jmx.getAttribute(job, "PeakJobMemoryUsedBytes") >= (Long) jmx.getAttribute(job, "JobMemoryUsedBytes") / 2);
        assertEquals(512, jmx.getAttribute(job, "ActiveProcessLimit"), "the option limit was applied before main");
        assertEquals("processes=512", jmx.getAttribute(job, "LimitSpec"));
        CompositeData limits = (CompositeData) jmx.getAttribute(job, "Limits");
        assertEquals(512, limits.get("activeProcessLimit"));
        assertEquals(true, limits.get("killOnClose"));
        CompositeData counters = (CompositeData) jmx.getAttribute(job, "Counters");
        assertTrue((Long) counters.get("activeProcesses") >= 5);

        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.newPlatformMXBeanProxy(
                jmx, java.lang.management.ManagementFactory.THREAD_MXBEAN_NAME, java.lang.management.ThreadMXBean.class);
        List<java.lang.management.ThreadInfo> ours = Arrays.stream(threads.dumpAllThreads(false, false))
                .filter(t -> t.getThreadName().startsWith("jobgov-")).toList();
        assertFalse(ours.isEmpty(), "the agent's threads are named jobgov-...");
        for (java.lang.management.ThreadInfo t : ours) {
            assertTrue(t.isDaemon(), t.getThreadName() + " is a daemon thread: it never keeps the host alive");
        }

        ObjectName agent = new ObjectName("jobgov:type=Agent");
        assertEquals("governed", jmx.getAttribute(agent, "Status"));
        assertEquals("premain", jmx.getAttribute(agent, "Entry"));
        assertEquals(jobName, jmx.getAttribute(agent, "JobName"));
        assertEquals(0, ((String[]) jmx.getAttribute(agent, "Problems")).length);
    }

    @Test
    void terminateKillsEveryChildAndKeepsTheHost() throws Exception {
        host.spawn("tree");
        host.spawn("tree");
        await().atMost(Duration.ofSeconds(10)).until(() -> pids().size() >= 9); // host + 2 x (sh + 3 sleeps)
        List<Long> children = new ArrayList<>(pids());
        children.remove(host.pid());
        host.track(children.stream().mapToLong(Long::longValue).toArray());

        jmx.invoke(job, "terminate", new Object[] {1}, new String[] {int.class.getName()});

        await().atMost(Duration.ofSeconds(5)).until(() -> children.stream().noneMatch(AgentJmxIT::running));
        assertEquals(Set.of(host.pid()), pids(), "only the host is left in its job");
        host.send("alive");
        host.await(l -> l.equals("alive " + host.pid()), Duration.ofSeconds(10));
        assertTrue(host.process().isAlive());
        // and the job still governs: a new child joins it
        long next = host.spawn("tree");
        await().atMost(Duration.ofSeconds(10)).until(() -> pids().contains(next));
    }

    @Test
    void aLimitChangedOverJmxIsEnforcedByTheKernel() throws Exception {
        List<Notification> seen = new CopyOnWriteArrayList<>();
        jmx.addNotificationListener(job, (n, h) -> seen.add(n), null, null);
        long used = (Long) jmx.getAttribute(job, "JobMemoryUsedBytes");
        long limit = used + (48L << 20);
        jmx.setAttribute(job, new Attribute("JobMemoryLimitBytes", limit));
        assertEquals(limit & ~4095L, ((Long) jmx.getAttribute(job, "JobMemoryLimitBytes")) & ~4095L);
        assertTrue(((String) jmx.getAttribute(job, "LimitSpec")).contains("memory="));
        Path memoryDir = cgroupDir("memory");
        assertEquals(limit & ~4095L, Long.parseLong(Files.readString(memoryDir.resolve("memory.limit_in_bytes")).trim()));

        long hog = host.spawn("hog");
        String exit = host.await(l -> l.startsWith("exited " + hog + " "), Duration.ofSeconds(30));
        assertEquals("exited " + hog + " 137", exit, "the kernel OOM-killed the child that went past the job's limit");
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream().anyMatch(n -> n.getType().equals("jobgov.limit.job-memory")));
        Notification oom = seen.stream().filter(n -> n.getType().equals("jobgov.limit.job-memory")).findFirst().orElseThrow();
        CompositeData data = (CompositeData) oom.getUserData();
        assertEquals(limit & ~4095L, ((Long) data.get("limitBytes")) & ~4095L);
        assertTrue((Long) data.get("oomKills") >= 1);
        host.send("alive");
        host.await(l -> l.equals("alive " + host.pid()), Duration.ofSeconds(10));
    }

    @Test
    void aRefusedWriteReachesTheClientAndKeepsTheOldLimit() throws Exception {
        // A job memory limit below what the host JVM already uses: the kernel refuses it (EBUSY).
        RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class,
                () -> jmx.setAttribute(job, new Attribute("JobMemoryLimitBytes", 4096L)));
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("memory"), e.getCause().getMessage());
        assertEquals(0L, jmx.getAttribute(job, "JobMemoryLimitBytes"));
        assertEquals("processes=512", jmx.getAttribute(job, "LimitSpec"));

        RuntimeMBeanException unknown = assertThrows(RuntimeMBeanException.class,
                () -> jmx.invoke(job, "setLimits", new Object[] {"processes=64,ui-restrictions=desktop"}, new String[] {String.class.getName()}));
        assertTrue(unknown.getCause().getMessage().contains("ui-restrictions") && unknown.getCause().getMessage().contains("refused"),
                unknown.getCause().getMessage());
        assertEquals(512, jmx.getAttribute(job, "ActiveProcessLimit"), "all-or-nothing: processes=64 was not applied either");

        jmx.invoke(job, "setLimits", new Object[] {"processes=64,cpu=50%"}, new String[] {String.class.getName()});
        assertEquals(64, jmx.getAttribute(job, "ActiveProcessLimit"));
        assertEquals(50.0, jmx.getAttribute(job, "CpuRateLimitPercent"));
        assertEquals("64", Files.readString(cgroupDir("pids").resolve("pids.max")).trim());
        jmx.setAttribute(job, new Attribute("CpuRateLimitPercent", 0.0));
        assertEquals(0.0, jmx.getAttribute(job, "CpuRateLimitPercent"));
        assertEquals("-1", Files.readString(cgroupDir("cpu").resolve("cpu.cfs_quota_us")).trim());
        jmx.setAttribute(job, new Attribute("Affinity", "0"));
        assertEquals("0", jmx.getAttribute(job, "Affinity"));
        assertEquals("0", Files.readString(cgroupDir("cpuset").resolve("cpuset.cpus")).trim());
    }

    @Test
    void aChildExitIsANotification() throws Exception {
        List<Notification> seen = new CopyOnWriteArrayList<>();
        jmx.addNotificationListener(job, (n, h) -> seen.add(n), null, null);
        long child = host.spawn("exit-child 3");
        await().atMost(Duration.ofSeconds(15)).until(() -> seen.stream().anyMatch(n -> isExitOf(n, child)));
        Notification n = seen.stream().filter(x -> isExitOf(x, child)).findFirst().orElseThrow();
        assertEquals(job, n.getSource());
        CompositeData data = (CompositeData) n.getUserData();
        assertEquals("jobgov.process.exit", data.get("type"));
        assertTrue(data.get("exitCode") == null || data.get("exitCode").equals(3), "exit code 3 where the platform reports it: " + data);
        assertTrue(seen.stream().anyMatch(x -> x.getType().equals("jobgov.process.new")
                && ((CompositeData) x.getUserData()).get("pid").equals(child)), "its start was one too: " + seen);
    }

    @Test
    void normalExitClosesTheJob() throws Exception {
        host.spawn("tree");
        await().atMost(Duration.ofSeconds(10)).until(() -> pids().size() >= 5);
        List<Long> children = new ArrayList<>(pids());
        children.remove(host.pid());
        host.track(children.stream().mapToLong(Long::longValue).toArray());
        List<Path> dirs = cgroupDirs();
        assertFalse(dirs.isEmpty());

        host.send("exit 0");
        assertEquals(0, host.waitFor(Duration.ofSeconds(30)), host.stderr());
        await().atMost(Duration.ofSeconds(5)).until(() -> children.stream().noneMatch(AgentJmxIT::running));
        await().atMost(Duration.ofSeconds(5)).until(() -> dirs.stream().noneMatch(Files::exists));
        assertFalse(host.stderr().contains("Exception"), host.stderr());
    }

    private boolean isExitOf(Notification n, long pid) {
        return n.getType().equals("jobgov.process.exit") && ((CompositeData) n.getUserData()).get("pid").equals(pid);
    }

    private Set<Long> pids() throws Exception {
        return Arrays.stream((long[]) jmx.getAttribute(job, "ProcessIds")).boxed().collect(Collectors.toSet());
    }

    /** The job's directories, from the Location attribute ({@code label=path ...}). */
    private List<Path> cgroupDirs() throws Exception {
        List<Path> out = new ArrayList<>();
        for (String part : ((String) jmx.getAttribute(job, "Location")).split(" ")) {
            out.add(Path.of(part.substring(part.indexOf('=') + 1)));
        }
        return out;
    }

    private Path cgroupDir(String controller) throws Exception {
        for (String part : ((String) jmx.getAttribute(job, "Location")).split(" ")) {
            String label = part.substring(0, part.indexOf('='));
            if (Arrays.asList(label.split(",")).contains(controller)) {
                return Path.of(part.substring(part.indexOf('=') + 1));
            }
        }
        throw new AssertionError("no " + controller + " directory in " + jmx.getAttribute(job, "Location"));
    }

    /** Alive and not a zombie waiting for its parent to reap it. */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (java.io.IOException e) {
            return false;
        }
    }

}
