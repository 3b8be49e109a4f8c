package jobgov.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/** A real third-party JMX client, jmxterm's uber jar in its own JVM, reads the Job MBean and invokes terminate. */
class AgentJmxtermIT {
    @Test
    void jmxtermReadsAttributesAndTerminates() throws Exception {
        Requirements.cgroupV1();
        Path jmxterm = HostJvm.itLib("jmxterm-1.0.4-uber.jar");
        String jobName = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
        try (HostJvm host = HostJvm.start("name=" + jobName + ",memory=1g", TreeHost.class.getName())) {
            host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
            long shell = host.spawn("tree");
            String bean = "jobgov:type=Job,name=" + jobName;
            String out = jmxterm(jmxterm, host.jmxUrl(),
                    "get -b " + bean + " Name Backend JobMemoryLimitBytes ActiveProcesses",
                    "info -e -b " + bean,
                    "run -b " + bean + " terminate 1");
            assertTrue(out.contains("Name = " + jobName + ";"), out);
            assertTrue(out.contains("Backend = cgroup1;"), out);
            assertTrue(out.contains("JobMemoryLimitBytes = " + (1L << 30) + ";"), out);
            assertTrue(out.matches("(?s).*ActiveProcesses = \\d+;.*"), out);
            assertTrue(out.contains("Kills every process of the job"), "descriptions reach a plain JMX client: " + out);
            String exit = host.await(l -> l.startsWith("exited " + shell + " "), Duration.ofSeconds(15));
            assertEquals("exited " + shell + " 137", exit, "terminate from jmxterm killed the host's child");
            host.send("alive");
            host.await(l -> l.equals("alive " + host.pid()), Duration.ofSeconds(10));
        }
    }

    private static String jmxterm(Path jar, String url, String... commands) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "-l", url, "-n", "-v", "brief").redirectErrorStream(true).start();
        try {
            p.getOutputStream().write((String.join("\n", commands) + "\nquit\n").getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> {
                try {
                    p.getInputStream().transferTo(out);
                } catch (java.io.IOException ignored) {
                    // process gone
                }
            });
            reader.start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jmxterm finished");
            reader.join(5000);
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
        }
    }
}
