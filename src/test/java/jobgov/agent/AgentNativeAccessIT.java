package jobgov.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/**
 * JDK 24 and later restrict native access (JEP 472), which JNA needs: a jar's manifest can grant it only to
 * {@code java -jar}, never to an agent. On JDK 25, whichever JDK runs the tests: the host's
 * {@code --enable-native-access=ALL-UNNAMED} (docs/agent.md) silences the JDK's warning, and a host that denies
 * native access is still governed, its events from the tick, and runs on.
 */
class AgentNativeAccessIT {
    private static final Path JDK25 = Path.of(System.getProperty("jobgov.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    private static final String WARNING = "A restricted method in java.lang.System has been called";

    @Test
    void enableNativeAccessOnTheHostSilencesTheJdksWarning() throws Exception {
        try (HostJvm host = start("--enable-native-access=ALL-UNNAMED")) {
            String job = awaitReady(host);
            MBeanServerConnection jmx = host.jmx().getMBeanServerConnection();
            ObjectName name = new ObjectName("jobgov:type=Job,name=" + job);
            // the process-events connector's thread is up: JNA is loaded and has called into libc
            await().atMost(Duration.ofSeconds(60)).until(() -> threads(jmx).contains("jobgov-proc-events"));
            assertEquals("memory=256m", jmx.getAttribute(name, "LimitSpec"));
            assertFalse(host.stderr().contains(WARNING), host.stderr());
        }
    }

    @Test
    void aHostThatDeniesNativeAccessIsGovernedAndRunsOn() throws Exception {
        try (HostJvm host = start("--illegal-native-access=deny")) {
            String job = awaitReady(host);
            await().atMost(Duration.ofSeconds(60)).until(() -> host.stderr().contains("libc is not reachable through JNA"));
            MBeanServerConnection jmx = host.jmx().getMBeanServerConnection();
            ObjectName name = new ObjectName("jobgov:type=Job,name=" + job);
            assertEquals("memory=256m", jmx.getAttribute(name, "LimitSpec"));
            assertFalse(threads(jmx).contains("jobgov-proc-events"), "no connector without libc");
            host.spawn("tree");
            await().atMost(Duration.ofSeconds(20)).until(() -> ((long[]) jmx.getAttribute(name, "ProcessIds")).length >= 5);
        }
    }

    private static HostJvm start(String nativeAccess) throws Exception {
        Requirements.cgroupV1();
        Requirements.require(Files.isExecutable(JDK25.resolve("bin/java")), "JDK 25 at " + JDK25 + " (-Djobgov.jdk25=...)");
        String job = "jobgov-test-native-" + UUID.randomUUID().toString().substring(0, 8);
        return HostJvm.startOn(JDK25, "name=" + job + ",memory=256m", List.of(nativeAccess), List.of(), Map.of(), TreeHost.class.getName());
    }

    private static List<String> threads(MBeanServerConnection jmx) throws java.io.IOException {
        java.lang.management.ThreadMXBean t = java.lang.management.ManagementFactory.newPlatformMXBeanProxy(jmx,
                java.lang.management.ManagementFactory.THREAD_MXBEAN_NAME, java.lang.management.ThreadMXBean.class);
        return java.util.Arrays.stream(t.dumpAllThreads(false, false)).map(java.lang.management.ThreadInfo::getThreadName).toList();
    }

    private static String awaitReady(HostJvm host) {
        String ready = host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
        assertTrue(ready.endsWith("status=governed"), ready + "\n" + host.stderr());
        return ready.substring(ready.indexOf("job=") + 4, ready.indexOf(" status="));
    }
}
