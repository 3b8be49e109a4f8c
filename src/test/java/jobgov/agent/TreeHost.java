package jobgov.agent;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * A host application for the agent's integration tests (run in its own JVM with -javaagent). Prints
 * {@code ready ...} once main runs, then obeys one command per stdin line and answers on stdout:
 * <ul>
 * <li>{@code tree} - a child shell with two sleeps and a double-forked one: {@code tree PID}</li>
 * <li>{@code pair} - a child shell with two sleeps, no double fork: {@code pair PID}</li>
 * <li>{@code exit-child CODE} - a child exiting with CODE after a moment: {@code exit-child PID}, later {@code exited PID CODE}</li>
 * <li>{@code hog} - a child eating memory until it is stopped: {@code hog PID}, later {@code exited PID CODE}</li>
 * <li>{@code alive} - {@code alive PID}; {@code descendants} - {@code descendants PID PID...}</li>
 * <li>{@code exit CODE} - System.exit(CODE)</li>
 * </ul>
 */
public final class TreeHost {
    private static final Map<Long, Process> CHILDREN = new ConcurrentHashMap<>();

    private TreeHost() {
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
                    case "tree" -> say("tree " + spawn("sleep 600 & sleep 600 & (sleep 600 &) ; wait").pid());
                    case "pair" -> say("pair " + spawn("sleep 600 & sleep 600 & wait").pid());
                    case "exit-child" -> say("exit-child " + spawn("sleep 1; exit " + Integer.parseInt(w[1])).pid());
                    // oom_score_adj 1000: when the job's memory limit bites, the kernel picks this child, not the host JVM
                    case "hog" -> say("hog " + spawn("echo 1000 > /proc/self/oom_score_adj; exec tail /dev/zero").pid());
                    case "alive" -> say("alive " + ProcessHandle.current().pid());
                    // main itself allocates (and keeps, until the answer is printed) N MiB of the heap
                    case "alloc" -> {
                        byte[][] held = new byte[Integer.parseInt(w[1])][];
                        for (int i = 0; i < held.length; i++) {
                            held[i] = new byte[1 << 19];
                            held[i][i % held[i].length] = 1;
                        }
                        say("alloc " + held.length);
                    }
                    case "spin" -> say("spin " + spawn("while :; do :; done").pid());
                    case "descendants" -> say("descendants " + ProcessHandle.current().descendants()
                            .map(p -> String.valueOf(p.pid())).collect(Collectors.joining(" ")));
                    case "exit" -> System.exit(Integer.parseInt(w[1]));
                    default -> say("unknown " + line);
                }
            } catch (Exception e) {
                say("error " + w[0] + " " + e);
            }
        }
    }

    private static Process spawn(String script) throws Exception {
        Process p = new ProcessBuilder(List.of("sh", "-c", script)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        CHILDREN.put(p.pid(), p);
        p.onExit().thenAccept(done -> say("exited " + done.pid() + " " + done.exitValue()));
        return p;
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
