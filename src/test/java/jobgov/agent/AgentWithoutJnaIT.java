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
import java.util.Map;
import java.util.UUID;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/**
 * The premain puts the JVM in its job without JNA (which costs the start-up most): with JNA's native part made
 * unloadable, the host is still governed, with the option limit in the kernel and kill-on-close in place.
 */
class AgentWithoutJnaIT {
    /** JNA finds no libjnidispatch: not unpacked from its jar, not on the system, not on a boot path. */
    private static final List<String> NO_JNA = List.of("-Djna.nosys=true", "-Djna.nounpack=true", "-Djna.boot.library.path=/nonexistent");

    @Test
    void governedWithLimitAndKillOnCloseWhenJnaCannotLoad() throws Exception {
        Requirements.cgroupV1();
        String jobName = "jobgov-test-nojna-" + UUID.randomUUID().toString().substring(0, 8);
        try (HostJvm host = HostJvm.start("name=" + jobName + ",memory=256m", NO_JNA, List.of(), Map.of(), TreeHost.class.getName())) {
            assertEquals("ready " + host.pid() + " job=" + jobName + " status=governed",
                    host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60)), host.stderr());
            MBeanServerConnection jmx = host.jmx().getMBeanServerConnection();
            ObjectName job = new ObjectName("jobgov:type=Job,name=" + jobName);
            assertEquals("memory=256m", jmx.getAttribute(job, "LimitSpec"));
            assertEquals("cgroup.procs every 100 ms", jmx.getAttribute(job, "EventSource"), "no libc: the tick alone, and the MBean says so");
            List<Path> dirs = new ArrayList<>();
            for (String part : ((String) jmx.getAttribute(job, "Location")).split(" ")) {
                dirs.add(Path.of(part.substring(part.indexOf('=') + 1)));
            }
            Path memory = dirs.stream().filter(d -> Files.exists(d.resolve("memory.limit_in_bytes"))).findFirst().orElseThrow();
            assertEquals(String.valueOf(256L << 20), Files.readString(memory.resolve("memory.limit_in_bytes")).strip());
            assertTrue(Files.readString(memory.resolve("cgroup.procs")).lines().anyMatch(l -> l.equals(String.valueOf(host.pid()))),
                    "the host JVM is in the job's memory cgroup");

            host.spawn("tree");
            await().atMost(Duration.ofSeconds(10)).until(() -> ((long[]) jmx.getAttribute(job, "ProcessIds")).length >= 5);
            List<Long> children = new ArrayList<>();
            Arrays.stream((long[]) jmx.getAttribute(job, "ProcessIds")).filter(p -> p != host.pid()).forEach(children::add);
            host.track(children.stream().mapToLong(Long::longValue).toArray());
            host.process().destroyForcibly(); // SIGKILL: only the watchdog (a shell, no JNA) can close the job now
            await().atMost(Duration.ofSeconds(10)).until(() -> children.stream().noneMatch(AgentJmxIT::running));
            await().atMost(Duration.ofSeconds(10)).until(() -> dirs.stream().noneMatch(Files::exists));
        }
    }
}
