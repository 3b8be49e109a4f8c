package jobgov.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No policy can kill its host or the event path: a real host JVM on a small heap (-Xmx128m, 256m, 512m, each twice)
 * runs, through the agent, a policy with two handlers that allocate without bound (one keeps all it allocated in
 * a list the policy holds, one drops it). Both are stopped at their allocation budget, twice each, then disabled;
 * afterwards the host's main still allocates, the job's event thread still delivers events and still enforces the
 * job's time limit, a good handler still ticks, and the Policy MBean shows every fault.
 */
class PolicyFaultsIT {
    private static final String POLICY = """
            def hoard = []
            every('100ms') { while (true) { hoard << new byte[1 << 20] } }
            every('150ms') { def mine = []; while (true) { mine << new byte[1 << 20] } }
            on(ProcessExited) { e -> log.warn "policy saw the exit of pid ${e.pid}" }
            every('100ms') { job.counters }
            """;

    @TempDir
    Path dir;

    @BeforeEach
    void cgroups() {
        Requirements.cgroupV1();
    }

    @ParameterizedTest(name = "-Xmx{0}m")
    @ValueSource(ints = {128, 128, 256, 256, 512, 512})
    void handlersAllocatingWithoutBoundNeverTakeTheHostsHeap(int heapMiB) throws Exception {
        Path policy = Files.writeString(dir.resolve("hog.groovy"), POLICY);
        String name = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
        try (HostJvm host = HostJvm.start(policy + ",name=" + name + ",await=true", List.of("-Xmx" + heapMiB + "m"), List.of(), Map.of(),
                TreeHost.class.getName())) {
            host.await(l -> l.startsWith("ready "), Duration.ofSeconds(90));
            MBeanServerConnection jmx = host.jmx().getMBeanServerConnection();
            ObjectName p = new ObjectName("jobgov:type=Policy,name=" + name);
            ObjectName job = new ObjectName("jobgov:type=Job,name=" + name);

            await().atMost(Duration.ofSeconds(90)).until(() -> ((String[]) jmx.getAttribute(p, "DisabledHandlers")).length == 2);
            String[] disabled = (String[]) jmx.getAttribute(p, "DisabledHandlers");
            assertTrue(Arrays.stream(disabled).allMatch(d -> d.contains("allocation budget")), Arrays.toString(disabled));
            // Under load any handler can also run past its time budget; those are counted apart (and in HandlerErrors).
            long timedOut = (Long) jmx.getAttribute(p, "HandlersTimedOut");
            assertEquals(4L, (Long) jmx.getAttribute(p, "HandlerErrors") - timedOut,
                    "two stops for each of the two hogs, each counted; last error: " + jmx.getAttribute(p, "LastError"));
            long budget = (Long) jmx.getAttribute(p, "AllocationBudgetBytes");
            assertTrue(budget > 0 && budget <= ((long) heapMiB << 20) / 16, "a sixteenth of the heap at most: " + budget);
            assertEquals("", jmx.getAttribute(p, "Disabled"), "the policy runs on");
            assertEquals(0L, jmx.getAttribute(p, "PolicyThreadRestarts"));

            // main allocates a sixteenth of its heap, and answers
            int chunks = heapMiB / 8;
            host.send("alloc " + chunks);
            host.await(l -> l.equals("alloc " + chunks), Duration.ofSeconds(30));
            // the good timer still ticks
            long run = (Long) jmx.getAttribute(p, "HandlersRun");
            await().atMost(Duration.ofSeconds(30)).until(() -> (Long) jmx.getAttribute(p, "HandlersRun") >= run + 5);
            // the job's event thread still delivers events, to the policy too
            long child = host.spawn("exit-child 3");
            host.await(l -> l.equals("exited " + child + " 3"), Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(30)).until(() -> host.stderr().contains("policy saw the exit of pid " + child));
            // and still enforces the job's time: a spinning child is terminated once the job's user time is over
            long used = (Long) jmx.getAttribute(job, "TotalUserTimeMillis");
            jmx.invoke(job, "setLimits", new Object[] {"job-time=" + (used + 2000) + "ms"}, new String[] {String.class.getName()});
            long spin = host.spawn("spin");
            host.await(l -> l.equals("exited " + spin + " 137"), Duration.ofSeconds(60));

            List<String> threads = Arrays.stream(threads(jmx).dumpAllThreads(false, false)).map(ThreadInfo::getThreadName).toList();
            assertTrue(threads.contains("main"), threads.toString());
            assertTrue(threads.stream().anyMatch(t -> t.startsWith("jobgov-events-")), threads.toString());
            assertTrue(threads.contains("jobgov-policy-" + name), threads.toString());
            host.send("alive");
            host.await(l -> l.startsWith("alive "), Duration.ofSeconds(10));
            assertFalse(host.stderr().contains("Exception in thread"), host.stderr());
            assertFalse(host.stderr().contains("OutOfMemoryError"), host.stderr());
        }
    }

    private static ThreadMXBean threads(MBeanServerConnection jmx) throws Exception {
        return ManagementFactory.newPlatformMXBeanProxy(jmx, ManagementFactory.THREAD_MXBEAN_NAME, ThreadMXBean.class);
    }
}
