package jobgov.http;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The host application of the end-to-end tests: starts {@code args[0]} children ({@code sleep 600}),
 * prints their pids, then lives until its stdin closes (so a test that dies takes it along); a line
 * "threads" on stdin makes it print the names of its live threads (from its main thread).
 */
public final class JolokiaHost {
    private JolokiaHost() {
    }

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        List<Process> children = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            children.add(new ProcessBuilder("sleep", "600").redirectErrorStream(true).start());
        }
        System.out.println("children " + children.stream().map(p -> Long.toString(p.pid())).collect(Collectors.joining(" ")));
        System.out.println("ready");
        System.out.flush();
        try {
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
            for (String line; (line = in.readLine()) != null; ) {
                if (line.equals("threads")) { // the test asks which threads are alive
                    System.out.println("threads " + Thread.getAllStackTraces().keySet().stream()
                            .map(Thread::getName).sorted().collect(Collectors.joining(",")));
                    System.out.flush();
                }
            }
        } finally {
            children.forEach(Process::destroyForcibly);
        }
    }
}
