package jobgov.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The figures that start JVMs: time until main with and without the agent, time until a 30-line policy
 * is live against Groovy's own start-up floor, and the idle cost of the agent.
 */
final class Startup {
    private Startup() {
    }

    private static String jar() {
        return Path.of(System.getProperty("jobgov.jar", "target/jobgov.jar")).toAbsolutePath().toString();
    }

    private static String classes() {
        return System.getProperty("jobgov.bench.classes", "target/test-classes");
    }

    static void run(Bench bench, boolean full) throws Exception {
        int runs = full ? 10 : 5;
        Samples plain = new Samples();
        Samples agent = new Samples();
        Samples empty = new Samples();
        String emptyAgent = EmptyAgent.jar(Path.of(System.getProperty("jobgov.bench.out", "target/bench"))).toAbsolutePath().toString();
        Samples groovy = new Samples();
        Samples policy = new Samples();
        String policyFile = Path.of("scripts/bench.d/policy30.groovy").toAbsolutePath().toString();
        String groovyJar = System.getProperty("jobgov.bench.groovy");
        for (int r = 0; r < runs; r++) {
            add(plain, Bench.timeUntilLine(List.of(Bench.java(), "-cp", classes(), "jobgov.bench.Hello"), "main-at ", 30_000));
            add(agent, Bench.timeUntilLine(List.of(Bench.java(), "-javaagent:" + jar(), "-cp", classes(), "jobgov.bench.Hello"), "main-at ", 30_000));
            add(empty, Bench.timeUntilLine(List.of(Bench.java(), "-javaagent:" + emptyAgent, "-cp", classes(), "jobgov.bench.Hello"), "main-at ", 30_000));
            if (groovyJar != null) {
                add(groovy, Bench.timeUntilLine(List.of(Bench.java(), "-cp", groovyJar, "groovy.ui.GroovyMain", "-e",
                        "println 'live ' + System.currentTimeMillis()"), "live ", 30_000));
            }
            if (agentWorks() && (r == 0 || !policy.isEmpty())) {
                add(policy, Bench.timeUntilLine(List.of(Bench.java(), "-javaagent:" + jar() + "=" + policyFile, "-cp", classes(),
                        "jobgov.bench.Hello", "20000"), "policy-live ", 20_000));
            }
        }
        String agentNote = agentWorks() ? runs + " runs" : "agent not active in this jar (stderr says not started)";
        bench.add(new Figure("agent start-up: time until main", "ms", agentWorks() ? agent : new Samples(),
                "same JVM without -javaagent", plain, "<= +100 ms",
                agentWorks() ? "adds " + Samples.fmt(agent.median() - plain.median()) + " ms; " + agentNote : agentNote));
        bench.add(new Figure("agent start-up: time until main, vs an agent that does nothing", "ms", agentWorks() ? agent : new Samples(),
                "same JVM with an empty -javaagent (the floor of any agent)", empty, "",
                agentWorks() ? "jobgov's own share: " + Samples.fmt(agent.median() - empty.median()) + " ms; the empty agent's: "
                        + Samples.fmt(empty.median() - plain.median()) + " ms" : agentNote));
        bench.add(new Figure("30-line policy live (cold JVM + agent)", "ms", policy,
                "fresh JVM running a 1-line Groovy script", groovy, "<= 1.1x",
                policy.isEmpty() ? "no 'policy-live' line: policy engine or agent not landed" : runs + " runs"));
    }

    private static void add(Samples s, long[] startAndAt) {
        if (startAndAt != null) {
            s.add(startAndAt[1] - startAndAt[0]);
        }
    }

    private static Boolean agentWorks;

    /** Whether -javaagent:jobgov.jar starts the agent (before the agent work lands, Boot logs "not started"). */
    static boolean agentWorks() {
        if (agentWorks == null) {
            try {
                Process p = new ProcessBuilder(Bench.java(), "-javaagent:" + jar(), "-cp", classes(), "jobgov.bench.Hello")
                        .redirectErrorStream(true).start();
                String all = new String(p.getInputStream().readAllBytes());
                p.waitFor();
                agentWorks = !all.contains("agent not started");
            } catch (Exception e) {
                agentWorks = false;
            }
        }
        return agentWorks;
    }

    static void idle(Bench bench, int seconds) throws Exception {
        int runs = 3;
        List<Process> plain = new ArrayList<>();
        List<Process> agent = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            plain.add(new ProcessBuilder(Bench.java(), "-cp", classes(), "jobgov.bench.Idle", Integer.toString(seconds))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start());
            agent.add(new ProcessBuilder(Bench.java(), "-javaagent:" + jar(), "-cp", classes(), "jobgov.bench.Idle", Integer.toString(seconds))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start());
        }
        Samples[] p = collect(plain, seconds);
        Samples[] a = collect(agent, seconds);
        boolean works = agentWorks();
        String note = works ? runs + " idle JVMs each, side by side, " + seconds + " s" : "agent not active in this jar";
        bench.add(new Figure("idle: CPU over " + seconds + " s", "% of a core", works ? a[0] : new Samples(),
                "same JVM without agent", p[0], "< +0.1 %", note));
        bench.add(new Figure("idle: heap used after GC", "MiB", works ? a[1] : new Samples(),
                "same JVM without agent", p[1], "< +16 MiB", note));
        bench.add(new Figure("idle: resident set", "MiB", works ? a[2] : new Samples(),
                "same JVM without agent", p[2], "", note));
    }

    /** cpu % of a core, heap MiB, RSS MiB. */
    private static Samples[] collect(List<Process> ps, int seconds) throws Exception {
        Samples cpu = new Samples();
        Samples heap = new Samples();
        Samples rss = new Samples();
        for (Process p : ps) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("idle ")) {
                        for (String kv : line.substring(5).split(" ")) {
                            String[] f = kv.split("=");
                            double v = Double.parseDouble(f[1]);
                            switch (f[0]) {
                                case "cpu-ms" -> cpu.add(v / (seconds * 10.0));
                                case "heap-bytes" -> heap.add(v / (1 << 20));
                                case "rss-kib" -> rss.add(v / 1024);
                                default -> { }
                            }
                        }
                    }
                }
            }
            p.waitFor();
        }
        return new Samples[] {cpu, heap, rss};
    }
}
