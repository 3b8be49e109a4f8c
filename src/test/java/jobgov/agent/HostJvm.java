package jobgov.agent;

import static org.junit.jupiter.api.Assertions.fail;

import com.sun.tools.attach.VirtualMachine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A real host JVM for the agent's integration tests: {@code java [-javaagent:target/jobgov.jar=OPTIONS] -cp ... MAIN},
 * its stdout collected line by line, commands written to its stdin, and a real JMX connection to it
 * (the Attach API starts its local management agent: RMI over loopback). close() stops it gracefully
 * (so the agent's shutdown hook runs) and then kills whatever is left of it and its children.
 */
final class HostJvm implements AutoCloseable {
    private final Process process;
    private final List<String> out = new CopyOnWriteArrayList<>();
    private final StringBuffer err = new StringBuffer();
    private final Writer in;
    private final Set<Long> seen = ConcurrentHashMap.newKeySet();
    private final List<JMXConnector> connectors = new CopyOnWriteArrayList<>();

    private HostJvm(Process process) {
        this.process = process;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), out::add, "out");
        pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)),
                l -> err.append(l).append('\n'), "err");
    }

    /** Starts {@code main} from the test classes; {@code agentOptions} null = no agent at all. */
    static HostJvm start(String agentOptions, String main, String... args) throws IOException {
        return start(agentOptions, List.of(), List.of(), Map.of(), main, args);
    }

    static HostJvm start(String agentOptions, List<String> jvmArgs, List<Path> extraClassPath, Map<String, String> env,
            String main, String... args) throws IOException {
        return startOn(Path.of(System.getProperty("java.home")), agentOptions, jvmArgs, extraClassPath, env, main, args);
    }

    /** The same on the JDK at {@code javaHome} (not the one running the tests). */
    static HostJvm startOn(Path javaHome, String agentOptions, List<String> jvmArgs, List<Path> extraClassPath, Map<String, String> env,
            String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaHome.resolve("bin/java").toString());
        cmd.add("-Xmx64m");
        cmd.add("-XX:TieredStopAtLevel=1");
        if (agentOptions != null) {
            cmd.add("-javaagent:" + jobgov.testing.Requirements.jobgovJar().toAbsolutePath()
                    + (agentOptions.isEmpty() ? "" : "=" + agentOptions));
        }
        cmd.addAll(jvmArgs);
        StringBuilder cp = new StringBuilder(testClasses().toString());
        for (Path p : extraClassPath) {
            cp.append(java.io.File.pathSeparator).append(p);
        }
        cmd.add("-cp");
        cmd.add(cp.toString());
        cmd.add(main);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        return new HostJvm(pb.start());
    }

    static Path testClasses() {
        return Path.of(System.getProperty("jobgov.testClasses", "target/test-classes")).toAbsolutePath();
    }

    static Path itLib(String fileName) {
        Path p = Path.of(System.getProperty("jobgov.itLibs", "target/it-libs"), fileName).toAbsolutePath();
        if (!p.toFile().isFile()) {
            fail("no " + p + ": it is copied by maven-dependency-plugin (mvn verify)");
        }
        return p;
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    List<String> lines() {
        return List.copyOf(out);
    }

    String stderr() {
        return err.toString();
    }

    void send(String command) throws IOException {
        in.write(command + "\n");
        in.flush();
    }

    /** The first stdout line (seen so far or arriving within {@code timeout}) matching {@code test}. */
    String await(Predicate<String> test, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            for (String l : out) {
                if (test.test(l)) {
                    return l;
                }
            }
            if (!process.isAlive() && out.stream().noneMatch(test)) {
                sleep(100); // let the pump drain
                for (String l : out) {
                    if (test.test(l)) {
                        return l;
                    }
                }
                fail("host exited with " + process.exitValue() + " before printing the expected line; stdout:\n"
                        + String.join("\n", out) + "\nstderr:\n" + err);
            }
            sleep(20);
        }
        fail("host printed no expected line within " + timeout + "; stdout:\n" + String.join("\n", out) + "\nstderr:\n" + err);
        return null;
    }

    /** Sends {@code command} and returns the pid in the answer line {@code "<word> PID"}. */
    long spawn(String command) throws IOException {
        String word = command.split(" ")[0];
        int before = out.size();
        send(command);
        String line = await(l -> l.startsWith(word + " ") && out.indexOf(l) >= before, Duration.ofSeconds(20));
        long pid = Long.parseLong(line.split(" ")[1]);
        seen.add(pid);
        return pid;
    }

    /** Remembers pids for cleanup (the host's children, which may outlive it if a test fails). */
    void track(long... pids) {
        for (long p : pids) {
            seen.add(p);
        }
    }

    /** A JMX connection through the host's local management agent (started with the Attach API). */
    JMXConnector jmx() throws Exception {
        String url;
        VirtualMachine vm = VirtualMachine.attach(String.valueOf(pid()));
        try {
            url = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(url));
        connectors.add(c);
        return c;
    }

    /** The JMX service URL of the host's local management agent, for a client in another process. */
    String jmxUrl() throws Exception {
        VirtualMachine vm = VirtualMachine.attach(String.valueOf(pid()));
        try {
            return vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
    }

    int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("host still running after " + timeout + "; stdout:\n" + String.join("\n", out) + "\nstderr:\n" + err);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws Exception {
        for (JMXConnector c : connectors) {
            try {
                c.close();
            } catch (IOException ignored) {
                // the host may be gone already
            }
        }
        List<ProcessHandle> tree = new ArrayList<>();
        process.descendants().forEach(tree::add);
        for (long p : seen) {
            ProcessHandle.of(p).ifPresent(tree::add);
        }
        if (process.isAlive()) {
            try {
                send("exit 0");
            } catch (IOException ignored) {
                // stdin closed: the host is on its way out
            }
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
        for (ProcessHandle p : tree) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private static void pump(BufferedReader reader, java.util.function.Consumer<String> sink, String what) {
        Thread t = new Thread(() -> {
            try (reader) {
                String l;
                while ((l = reader.readLine()) != null) {
                    sink.accept(l);
                }
            } catch (IOException ignored) {
                // process gone
            }
        }, "host-" + what);
        t.setDaemon(true);
        t.start();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
