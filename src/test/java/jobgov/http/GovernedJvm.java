package jobgov.http;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import jobgov.testing.Requirements;

/**
 * A separate JVM running {@link JolokiaHost} under {@code -javaagent:target/jobgov.jar=...}: its output
 * lines are collected, its children's pids known, and {@link #close()} ends it and them.
 */
final class GovernedJvm implements AutoCloseable {
    final Process process;
    final List<Long> children = new ArrayList<>();
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final StringBuffer output = new StringBuffer();

    private GovernedJvm(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.append(line).append('\n');
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "governed-jvm-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts the host with the agent options and {@code extraJvmArgs}; waits for "ready" unless it exits first. */
    static GovernedJvm start(String agentOptions, int children, List<String> extraJvmArgs, List<String> classPath) throws Exception {
        Path jar = Requirements.jobgovJar().toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-javaagent:" + jar + "=" + agentOptions));
        cmd.addAll(extraJvmArgs);
        List<String> cp = new ArrayList<>(List.of(System.getProperty("jobgov.testClasses", "target/test-classes")));
        cp.addAll(classPath);
        cmd.addAll(List.of("-cp", String.join(java.io.File.pathSeparator, cp), JolokiaHost.class.getName(),
                Integer.toString(children)));
        GovernedJvm jvm = new GovernedJvm(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        jvm.awaitReady();
        return jvm;
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(200, TimeUnit.MILLISECONDS);
            if (line != null && line.startsWith("children")) {
                Arrays.stream(line.substring("children".length()).trim().split(" "))
                        .filter(s -> !s.isEmpty()).map(Long::parseLong).forEach(children::add);
            } else if ("ready".equals(line)) {
                return;
            } else if (line == null && !process.isAlive()) {
                return; // the caller looks at the exit code and output
            }
        }
        close();
        fail("governed JVM not ready within 60 s:\n" + output);
    }

    boolean childrenAlive() {
        return children.stream().anyMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static Path writePrivate(Path dir, String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        assertTrue(p.toFile().setReadable(false, false) && p.toFile().setReadable(true, true));
        return p;
    }
}
