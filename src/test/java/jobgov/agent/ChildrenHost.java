package jobgov.agent;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A host application whose children are started the plain way (ProcessBuilder, no shell, no job API), as an
 * application's would be, for the "the host is never a target" tests. One command per stdin line:
 * <ul>
 * <li>{@code burn SECONDS} - burns that much CPU time in main: {@code burned CPU_MILLIS}</li>
 * <li>{@code heap MIB} - allocates and touches that much heap and keeps it: {@code heap MIB}</li>
 * <li>{@code sleeper} - a child {@code sleep 600}: {@code sleeper PID}</li>
 * <li>{@code hog} - a child that, once told {@code go PID}, becomes {@code tail /dev/zero} (memory without bound;
 *     its OOM score untouched by the test): {@code hog PID}, later {@code exited PID CODE}</li>
 * <li>{@code alive} - {@code alive PID}</li>
 * </ul>
 */
public final class ChildrenHost {
    private static final List<byte[]> HEAP = new ArrayList<>();
    private static final java.util.Map<Long, Process> HOGS = new java.util.concurrent.ConcurrentHashMap<>();

    private ChildrenHost() {
    }

    public static void main(String[] args) throws Exception {
        say("ready " + ProcessHandle.current().pid() + " job=" + System.getProperty("jobgov.job")
                + " status=" + System.getProperty("jobgov.agent.status"));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] w = line.trim().split("\\s+");
            try {
                switch (w[0]) {
                    case "burn" -> say("burned " + burn(Long.parseLong(w[1]) * 1000));
                    case "heap" -> {
                        for (int i = 0; i < Integer.parseInt(w[1]) * 4; i++) {
                            byte[] b = new byte[256 << 10]; // not humongous: the heap holds as much as asked
                            for (int j = 0; j < b.length; j += 4096) {
                                b[j] = 1;
                            }
                            HEAP.add(b);
                        }
                        say("heap " + HEAP.size() / 4);
                    }
                    case "sleeper" -> say("sleeper " + spawn("sleep", "600").pid());
                    case "hog" -> {
                        Process p = new ProcessBuilder("sh", "-c", "read go; exec tail /dev/zero").redirectErrorStream(true)
                                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                        HOGS.put(p.pid(), p);
                        p.onExit().thenAccept(done -> say("exited " + done.pid() + " " + done.exitValue()));
                        say("hog " + p.pid());
                    }
                    case "go" -> {
                        var stdin = HOGS.get(Long.parseLong(w[1])).getOutputStream();
                        stdin.write('\n');
                        stdin.flush();
                    }
                    case "alive" -> say("alive " + ProcessHandle.current().pid() + " heap " + HEAP.size() / 4);
                    default -> say("unknown " + line);
                }
            } catch (Exception e) {
                say("error " + w[0] + " " + e);
            }
        }
    }

    /** Burns CPU in this thread until it has used {@code millis} of CPU time; returns the time used. */
    private static long burn(long millis) throws Exception {
        var threads = ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        long x = 0;
        while (threads.getCurrentThreadCpuTime() - start < millis * 1_000_000L) {
            for (int i = 0; i < 1_000_000; i++) {
                x += i ^ x;
            }
        }
        Files.readString(Path.of("/proc/self/stat")); // x is used: the loop is not optimised away
        return (threads.getCurrentThreadCpuTime() - start) / 1_000_000L + (x == 42 ? 1 : 0);
    }

    private static Process spawn(String... cmd) throws Exception {
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
