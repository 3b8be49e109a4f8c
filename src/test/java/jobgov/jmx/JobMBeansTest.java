package jobgov.jmx;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import javax.management.Attribute;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.CompositeData;
import jobgov.job.Job;
import jobgov.job.JobBackend;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Job MXBean in the platform MBeanServer over a real job of the degraded backend (usable everywhere,
 * refuses every limit, which is what the refused-write case needs). Kernel enforcement through JMX is
 * proven by the agent's integration tests against the cgroup backends.
 */
class JobMBeansTest {
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private Job job;
    private AutoCloseable registration;
    private ObjectName name;
    private Process child;

    @BeforeEach
    void register() {
        JobBackend degraded = Jobs.backends().stream().filter(b -> b.name().equals("degraded")).findFirst().orElseThrow();
        job = Job.create(degraded, JobSpec.named("jobgov-test-" + UUID.randomUUID().toString().substring(0, 8)));
        registration = JobMBeans.register(job);
        name = JobMBeans.objectName(job.name());
    }

    @AfterEach
    void close() throws Exception {
        registration.close();
        job.close();
        if (child != null) {
            child.destroyForcibly();
        }
    }

    @Test
    void namedAsTheContractSays() throws Exception {
        assertEquals(new ObjectName("jobgov:type=Job,name=" + job.name()), name);
        assertTrue(server.isRegistered(name));
        assertEquals(job.name(), server.getAttribute(name, "Name"));
        assertEquals("degraded", server.getAttribute(name, "Backend"));
        assertThrows(IllegalStateException.class, () -> JobMBeans.register(job), "a second MBean of the same name is refused");
    }

    @Test
    void everyAttributeOperationAndParameterIsDescribedWithOpenTypes() throws Exception {
        MBeanInfo info = server.getMBeanInfo(name);
        Set<String> attributes = Arrays.stream(info.getAttributes()).map(MBeanAttributeInfo::getName).collect(Collectors.toSet());
        for (String a : List.of("Name", "Backend", "Location", "ProcessIds", "ActiveProcesses", "TotalProcesses",
                "TotalTerminatedProcesses", "TotalUserTimeMillis", "TotalKernelTimeMillis", "TotalPageFaults",
                "JobMemoryUsedBytes", "PeakJobMemoryUsedBytes", "PeakProcessMemoryUsedBytes", "ReadOperations",
                "WriteOperations", "OtherOperations", "ReadBytes", "WriteBytes", "OtherBytes", "JobMemoryLimitBytes",
                "ProcessMemoryLimitBytes", "ActiveProcessLimit", "CpuRateLimitPercent", "CpuWeight", "Affinity",
                "Limits", "Counters", "LimitSpec")) {
            assertTrue(attributes.contains(a), "attribute " + a + " in " + attributes);
        }
        for (String w : List.of("JobMemoryLimitBytes", "ProcessMemoryLimitBytes", "ActiveProcessLimit", "CpuRateLimitPercent", "CpuWeight", "Affinity")) {
            assertTrue(Arrays.stream(info.getAttributes()).anyMatch(a -> a.getName().equals(w) && a.isWritable()), w + " is writable");
        }
        for (MBeanAttributeInfo a : info.getAttributes()) {
            assertTrue(DescribedJob.describes(a.getName()), "a description of its own for " + a.getName());
            assertNotEquals(a.getName(), a.getDescription());
            assertTrue(a.getType().startsWith("java") || a.getType().equals("[J") || !a.getType().contains("."),
                    a.getName() + " has an open type, not " + a.getType());
        }
        Set<String> ops = Arrays.stream(info.getOperations()).map(MBeanOperationInfo::getName).collect(Collectors.toSet());
        assertEquals(Set.of("terminate", "setLimits", "pids"), ops);
        for (MBeanOperationInfo op : info.getOperations()) {
            assertTrue(DescribedJob.describes(op.getName()), "a description for " + op.getName());
            Arrays.stream(op.getSignature()).forEach(p -> {
                assertFalse(p.getName().matches("p\\d+"), "a real parameter name for " + op.getName());
                assertFalse(p.getDescription().isBlank());
            });
        }
        Set<String> types = Arrays.stream(info.getNotifications()).flatMap(n -> Arrays.stream(n.getNotifTypes())).collect(Collectors.toSet());
        assertTrue(types.containsAll(List.of("jobgov.process.new", "jobgov.process.exit", "jobgov.process.abnormal-exit",
                "jobgov.job.empty", "jobgov.limit.active-process", "jobgov.limit.job-memory", "jobgov.limit.process-memory")), types.toString());
        for (MBeanNotificationInfo n : info.getNotifications()) {
            assertFalse(n.getDescription().isBlank());
        }
    }

    @Test
    void processesCountersAndNotifications() throws Exception {
        List<Notification> seen = new CopyOnWriteArrayList<>();
        server.addNotificationListener(name, (n, h) -> seen.add(n), null, null);
        child = job.start(new ProcessBuilder("sh", "-c", "sleep 1; exit 3"));
        long pid = child.pid();
        assertTrue(Arrays.stream((long[]) server.getAttribute(name, "ProcessIds")).anyMatch(p -> p == pid));
        assertTrue(Arrays.stream((long[]) server.invoke(name, "pids", null, null)).anyMatch(p -> p == pid));
        // The sweep may find the shell's child between two reads, so the later read may only be larger.
        CompositeData counters = (CompositeData) server.getAttribute(name, "Counters");
        long total = (Long) server.getAttribute(name, "TotalProcesses");
        assertTrue((Long) counters.get("totalProcesses") >= 1, counters.toString());
        assertTrue(total >= (Long) counters.get("totalProcesses"), total + " after " + counters.get("totalProcesses"));

        java.util.function.Predicate<Notification> childExit = n -> n.getType().equals("jobgov.process.exit")
                && ((CompositeData) n.getUserData()).get("pid").equals(pid);
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream().anyMatch(childExit));
        Notification exit = seen.stream().filter(childExit).findFirst().orElseThrow();
        assertEquals(name, exit.getSource());
        CompositeData data = assertInstanceOf(CompositeData.class, exit.getUserData());
        assertEquals(pid, data.get("pid"));
        assertEquals(3, data.get("exitCode"));
        assertEquals("jobgov.process.exit", data.get("type"));
        assertInstanceOf(java.util.Date.class, data.get("time"));
        assertTrue(seen.stream().anyMatch(n -> n.getType().equals("jobgov.process.new")
                && ((CompositeData) n.getUserData()).get("pid").equals(pid)), "new-process notification too");
    }

    @Test
    void refusedWriteIsAPlainExceptionAndKeepsTheOldLimit() throws Exception {
        RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class,
                () -> server.setAttribute(name, new Attribute("JobMemoryLimitBytes", 64L << 20)));
        assertEquals(IllegalArgumentException.class, e.getCause().getClass(), "a JDK exception remote clients can read");
        assertTrue(e.getCause().getMessage().contains("'memory'") && e.getCause().getMessage().contains("refused"), e.getCause().getMessage());
        assertEquals(null, e.getCause().getCause(), "no jobgov class in the cause chain");
        assertEquals(0L, server.getAttribute(name, "JobMemoryLimitBytes"));

        RuntimeMBeanException bad = assertThrows(RuntimeMBeanException.class,
                () -> server.invoke(name, "setLimits", new Object[] {"memory=lots"}, new String[] {String.class.getName()}));
        assertTrue(bad.getCause().getMessage().contains("memory"), bad.getCause().getMessage());
        assertThrows(RuntimeMBeanException.class, () -> server.setAttribute(name, new Attribute("ActiveProcessLimit", -1)));
        assertEquals("", server.getAttribute(name, "LimitSpec"));
        CompositeData limits = (CompositeData) server.getAttribute(name, "Limits");
        assertEquals(0L, limits.get("jobMemoryLimitBytes"));
        assertEquals(true, limits.get("killOnClose"));
    }

    @Test
    void terminateKillsTheJobsProcesses() throws Exception {
        child = job.start(new ProcessBuilder("sleep", "60"));
        server.invoke(name, "terminate", new Object[] {1}, new String[] {int.class.getName()});
        assertTrue(child.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "child killed");
        assertArrayEquals(new long[0], (long[]) server.getAttribute(name, "ProcessIds"));
    }

    @Test
    void closeUnregisters() throws Exception {
        registration.close();
        assertFalse(server.isRegistered(name));
        registration.close();
    }
}
