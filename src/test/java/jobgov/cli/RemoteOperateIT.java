package jobgov.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code set} and {@code terminate} by Jolokia URL against a real agent (a JVM started with {@code -javaagent:...,jolokia=},
 * credentials for writes): without credentials nothing changes; with them the kernel's limit changes and terminate
 * kills the job's child while the governed JVM itself lives on (keep-host).
 */
class RemoteOperateIT {
    @TempDir
    Path tmp;

    private Process host;

    @AfterEach
    void stop() throws Exception {
        if (host != null) {
            host.destroy(); // the agent's kill-on-close takes the child along
            if (!host.waitFor(20, TimeUnit.SECONDS)) {
                host.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void setAndTerminateOverJolokiaNeedTheWriterAndAct() throws Exception {
        Requirements.cgroupV1();
        String job = "remote-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        Path pw = tmp.resolve("pw");
        Files.writeString(pw, password + "\n");
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        host = new ProcessBuilder(Cli.java(), "-javaagent:" + Requirements.jobgovJar().toAbsolutePath() + "=name=" + job
                + ",await=true,jolokia=127.0.0.1:" + port + ",jolokiaUser=ops,jolokiaPasswordFile=" + pw,
                "-cp", System.getProperty("jobgov.testClasses", "target/test-classes"), SleepingHost.class.getName(), "300")
                .redirectErrorStream(true).start();
        BufferedReader lines = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8));
        String ready = lines.readLine();
        while (ready != null && !ready.startsWith("ready")) {
            ready = lines.readLine();
        }
        assertTrue(ready != null, "the host did not start");
        long child = Long.parseLong(ready.substring("ready ".length()).trim());
        String url = "http://127.0.0.1:" + port + "/jolokia/";

        Cli.Result anonymous = Cli.run("set", "--url", url, "memory=300m");
        assertEquals(1, anonymous.code(), "a write without credentials is refused: " + anonymous);
        assertTrue(anonymous.err().contains("(nothing changed)"), anonymous.toString());
        Path limit = Cli.cgroupsNamed("jobgov-" + job + ".").stream().map(d -> d.resolve("memory.limit_in_bytes"))
                .filter(Files::exists).findFirst().orElseThrow();
        assertTrue(Long.parseLong(Files.readString(limit).trim()) > (300L << 20), "unchanged: " + Files.readString(limit));

        Cli.Result set = Cli.run("set", "--url", url, "--user", "ops", "--password-file", pw.toString(), "memory=300m");
        assertEquals(0, set.code(), set.toString());
        assertEquals("job " + job + " limits=memory=300m", set.out().trim(), set.toString());
        assertEquals(300L << 20, Long.parseLong(Files.readString(limit).trim()), "the kernel's limit");

        Cli.Result wrong = Cli.run("terminate", "--url", url, "--user", "ops", "--password-file", tmp.resolve("missing").toString());
        assertTrue(wrong.code() != 0, wrong.toString());
        assertTrue(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "a failed terminate kills nothing");

        Cli.Result terminate = Cli.run("terminate", "--url", url, "--user", "ops", "--password-file", pw.toString());
        assertEquals(0, terminate.code(), terminate.toString());
        assertEquals("job " + job + " terminated", terminate.out().trim());
        await().atMost(Duration.ofSeconds(30)).until(() -> !ProcessHandle.of(child).map(Cli::running).orElse(false));
        assertTrue(host.isAlive(), "keep-host: the governed JVM outlives its own job's terminate");
        assertEquals(0, Cli.run("status", "--url", url).code(), "and still answers");
        assertTrue(List.of(host.pid()).stream().allMatch(p -> ProcessHandle.of(p).isPresent()));
    }
}
