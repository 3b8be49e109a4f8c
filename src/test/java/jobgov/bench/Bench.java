package jobgov.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import jobgov.job.Job;
import jobgov.job.JobBackend;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;

/**
 * The driver of {@code scripts/bench}: measures jobgov and a baseline in the same run, several runs each,
 * and prints one Markdown table of medians, spreads and ratios. Run it through the script, which builds
 * the jar, compiles the inotify floor and passes paths as system properties:
 * {@code jobgov.bench.mode} (quick|full), {@code jobgov.bench.only} (comma list of sections),
 * {@code jobgov.jar}, {@code jobgov.bench.classes}, {@code jobgov.bench.groovy}, {@code jobgov.bench.floor},
 * {@code jobgov.bench.out} (directory for data files and the table).
 */
public final class Bench {
    private final boolean full = "full".equals(System.getProperty("jobgov.bench.mode"));
    private final Set<String> only = Set.of(System.getProperty("jobgov.bench.only", "").split(","));
    private final Path out = Path.of(System.getProperty("jobgov.bench.out", "target/bench"));
    private final List<Figure> figures = new ArrayList<>();
    private String backendNote;

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        new Bench().run();
        // Job event threads and JNA may linger: the table is printed, so end here.
        System.exit(0);
    }

    private void run() throws Exception {
        Files.createDirectories(out);
        backendNote = backendState();
        log("mode " + (full ? "full" : "quick") + ", backend: " + backendNote);
        if (wanted("terminate")) {
            terminate(400, full ? 7 : 3);
        }
        if (wanted("events")) {
            events();
        }
        if (wanted("startup")) {
            Startup.run(this, full);
        }
        if (wanted("idle")) {
            Startup.idle(this, full ? 60 : 10);
        }
        if (wanted("growth")) {
            growth();
        }
        StringBuilder table = new StringBuilder(Figure.header()).append('\n');
        figures.forEach(f -> table.append(f.row()).append('\n'));
        Files.writeString(out.resolve("table.md"), table);
        System.out.print(table);
    }

    private boolean wanted(String section) {
        return only.contains("") || only.contains(section);
    }

    void add(Figure f) {
        figures.add(f);
        log(f.row());
    }

    static void log(String line) {
        System.err.println("[bench] " + line);
    }

    /** Null when jobgov can make real (kernel) jobs here, else why not. */
    String jobgovMissing() {
        return backendNote.startsWith("cgroup") || backendNote.startsWith("windows") ? null : backendNote;
    }

    private static String backendState() {
        try {
            JobBackend b = Jobs.backend();
            return b.name();
        } catch (RuntimeException e) {
            return "no backend (" + e.getMessage() + ")";
        }
    }

    static String jobName() {
        return "jobgov-bench-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    }

    // ---- terminate a tree ----

    private void terminate(int size, int runs) throws Exception {
        Samples walkMs = new Samples();
        Samples walkLeft = new Samples();
        Samples jobMs = new Samples();
        Samples jobLeft = new Samples();
        for (int r = 0; r < runs; r++) {
            TerminateBench.Result w = TerminateBench.treeWalk(size);
            walkMs.add(w.millis());
            walkLeft.add(w.survivors());
            TerminateBench.Result j = null;
            if (jobgovMissing() == null) {
                j = TerminateBench.jobgov(size);
                jobMs.add(j.millis());
                jobLeft.add(j.survivors());
            }
            log("terminate " + size + " run " + r + ": tree walk " + w + (j == null ? "" : ", jobgov " + j));
        }
        String why = jobgovMissing();
        add(new Figure("terminate " + size + " procs (half double-forked): time to empty", "ms", jobMs,
                "descendants().forEach(destroyForcibly)", walkMs, "<= 1.0x", why == null ? runs + " runs" : why));
        add(new Figure("terminate " + size + " procs: survivors", "procs", jobLeft,
                "descendants().forEach(destroyForcibly)", walkLeft, "0", why == null ? runs + " runs" : why));
    }

    // ---- event latency ----

    private void events() throws Exception {
        int runs = full ? 3 : 2;
        int count = full ? 200 : 60;
        String floorBin = System.getProperty("jobgov.bench.floor");
        Map<String, Samples> p50 = new LinkedHashMap<>();
        Map<String, Samples> p99 = new LinkedHashMap<>();
        Map<String, int[]> lost = new LinkedHashMap<>();
        for (int r = 0; r < runs; r++) {
            if (Floor.available(floorBin)) {
                record(p50, p99, "floor isolated", Floor.run(floorBin, count, 50));
                record(p50, p99, "floor burst", Floor.run(floorBin, count, 0));
            }
            if (jobgovMissing() != null) {
                continue;
            }
            for (String path : List.of("listener", "policy")) {
                LinkedBlockingQueue<Stamp> stamps = new LinkedBlockingQueue<>();
                try (Job job = Jobs.create(JobSpec.named(jobName()));
                     AutoCloseable reaction = path.equals("listener")
                             ? job.subscribe(e -> stamps.offer(new Stamp(System.nanoTime(), e.type(), e.pid())))
                             : PolicyProbe.load(job, stamps)) {
                    if (reaction == null) {
                        continue;
                    }
                    EventLatencyBench b = new EventLatencyBench(job, stamps);
                    EventLatencyBench.Result iso = new EventLatencyBench.Result();
                    b.exitAndEmpty(count, 50, iso);
                    EventLatencyBench.Result burst = new EventLatencyBench.Result();
                    b.exitAndEmpty(count, 0, burst);
                    b.exitBursts(Math.max(1, count / 20), 20, burst);
                    record(p50, p99, path + " exit isolated", iso.exit);
                    record(p50, p99, path + " empty isolated", iso.empty);
                    record(p50, p99, path + " empty burst", burst.empty);
                    record(p50, p99, path + " exit burst", burst.exit);
                    count(lost, path + " exit isolated", iso.lostExit, count);
                    count(lost, path + " empty isolated", iso.lostEmpty, count);
                    count(lost, path + " empty burst", burst.lostEmpty, count);
                    count(lost, path + " exit burst", burst.lostExit, count + Math.max(1, count / 20) * 20);
                }
            }
            limitsAndOom(p50, p99, lost, count);
            log("events run " + r + " done");
        }
        String why = jobgovMissing();
        for (String q : List.of("p50", "p99")) {
            Map<String, Samples> m = q.equals("p50") ? p50 : p99;
            figure(m, lost, "listener", "limit isolated", "process limit hit (refused fork -> Job.subscribe listener), " + q,
                    "raw inotify (job empty)", "floor isolated", q.equals("p99") ? "<= 3 ms" : "", why, runs, limitHits(count));
            figure(m, lost, "listener", "oom isolated", "OOM kill (write that starts the allocation -> listener), " + q,
                    "raw inotify (job empty)", "floor isolated", "", why, runs, count / 3);
        }
        for (String path : List.of("listener", "policy")) {
            String who = path.equals("listener") ? "Job.subscribe listener" : "policy handler";
            for (String q : List.of("p50", "p99")) {
                Map<String, Samples> m = q.equals("p50") ? p50 : p99;
                figure(m, lost, path, "empty isolated", "job empty (kill -> " + who + "), isolated, " + q, "raw inotify", "floor isolated",
                        q.equals("p99") ? "<= 3 ms" : "", why, runs, count);
                figure(m, lost, path, "empty burst", "job empty, back-to-back (" + who + "), " + q, "raw inotify", "floor burst",
                        q.equals("p99") ? "<= 15 ms, none lost" : "", why, runs, count);
                figure(m, lost, path, "exit isolated", "process exit (kill -> " + who + "), isolated, " + q, "raw inotify (job empty)",
                        "floor isolated", q.equals("p99") ? "<= 3 ms" : "", why, runs, count);
                figure(m, lost, path, "exit burst", "process exit, back-to-back and 20 at once (" + who + "), " + q,
                        "raw inotify (job empty, burst)", "floor burst", q.equals("p99") ? "<= 15 ms, none lost" : "", why, runs, count);
            }
        }
    }

    private void figure(Map<String, Samples> m, Map<String, int[]> lost, String path, String kind, String title, String baseName,
                        String baseKey, String target, String why, int runs, int count) {
        int[] l = lost.getOrDefault(path + " " + kind, new int[2]);
        String note = why != null ? why
                : m.containsKey(path + " " + kind) || l[1] > 0
                ? runs + " runs x " + count + "; lost (none within 1 s / 0.1 s back to back): " + l[0] + " of " + l[1]
                : path.equals("policy") ? "policy engine not available" : "no events";
        add(new Figure(title, "ms", m.getOrDefault(path + " " + kind, new Samples()), baseName, m.get(baseKey), target, note));
    }

    /** Process-limit hits and OOM kills, isolated, through a Job.subscribe listener (one job each). */
    private void limitsAndOom(Map<String, Samples> p50, Map<String, Samples> p99, Map<String, int[]> lost, int count) throws Exception {
        for (String kind : List.of("limit", "oom")) {
            LinkedBlockingQueue<Stamp> stamps = new LinkedBlockingQueue<>();
            try (Job job = Jobs.create(JobSpec.named(jobName()));
                 AutoCloseable sub = job.subscribe(e -> stamps.offer(new Stamp(System.nanoTime(), e.type(), e.pid())))) {
                EventLatencyBench b = new EventLatencyBench(job, stamps);
                EventLatencyBench.Result res = new EventLatencyBench.Result();
                if (kind.equals("limit")) {
                    int hits = limitHits(count);
                    b.limitHits(hits, 400, res);
                    record(p50, p99, "listener limit isolated", res.limit);
                    count(lost, "listener limit isolated", res.lostLimit, hits);
                } else {
                    b.oomKills(count / 3, 50, res);
                    record(p50, p99, "listener oom isolated", res.oom);
                    count(lost, "listener oom isolated", res.lostOom, count / 3);
                }
            }
        }
    }

    /** Process-limit hits per run: fewer than other events, since each waits for its crossing to settle (~0.5 s). */
    private static int limitHits(int count) {
        return Math.max(10, count / 4);
    }

    private static void count(Map<String, int[]> lost, String key, int lostNow, int total) {
        int[] l = lost.computeIfAbsent(key, k -> new int[2]);
        l[0] += lostNow;
        l[1] += total;
    }

    private static void record(Map<String, Samples> p50, Map<String, Samples> p99, String key, Samples s) {
        if (s.isEmpty()) {
            return;
        }
        p50.computeIfAbsent(key, k -> new Samples()).add(s.percentile(50));
        p99.computeIfAbsent(key, k -> new Samples()).add(s.percentile(99));
    }

    // ---- growth ----

    private void growth() throws Exception {
        int runs = full ? 3 : 1;
        int[] sizes = {10, 100, 1000};
        StringBuilder dat = new StringBuilder("# size tree_walk_ms jobgov_ms jobgov_exit_p50_ms jobgov_exit_p99_ms\n");
        for (int size : sizes) {
            Samples walk = new Samples();
            Samples job = new Samples();
            for (int r = 0; r < runs; r++) {
                walk.add(TerminateBench.treeWalk(size).millis());
                if (jobgovMissing() == null) {
                    job.add(TerminateBench.jobgov(size).millis());
                }
            }
            Samples exit = jobgovMissing() == null ? exitLatencyWith(size, full ? 100 : 40) : new Samples();
            add(new Figure("growth: terminate " + size + " procs", "ms", job, "tree walk", walk, "", jobgovMissing()));
            if (!exit.isEmpty()) {
                add(new Figure("growth: exit latency p99 with " + size + " procs in the job", "ms", Samples.of(List.of(exit.percentile(99))),
                        null, null, "", "p50 " + Samples.fmt(exit.median()) + " ms"));
            }
            dat.append(size).append(' ').append(walk.median()).append(' ').append(job.isEmpty() ? "NaN" : job.median())
                    .append(' ').append(exit.isEmpty() ? "NaN" : exit.median()).append(' ')
                    .append(exit.isEmpty() ? "NaN" : exit.percentile(99)).append('\n');
        }
        Files.writeString(out.resolve("growth.dat"), dat);
    }

    /** Exit-event latency of one killed process while {@code size} other processes sit in the job. */
    private Samples exitLatencyWith(int size, int count) throws Exception {
        ProcessTree tree = new ProcessTree(size);
        LinkedBlockingQueue<Stamp> stamps = new LinkedBlockingQueue<>();
        try (Job job = Jobs.create(JobSpec.named(jobName()));
             AutoCloseable sub = job.subscribe(e -> stamps.offer(new Stamp(System.nanoTime(), e.type(), e.pid())))) {
            job.start(tree.command());
            tree.awaitStarted(60_000);
            EventLatencyBench.Result r = new EventLatencyBench.Result();
            new EventLatencyBench(job, stamps).exitAndEmpty(count, 20, r);
            return r.exit;
        } finally {
            tree.cleanUp();
        }
    }

    // ---- helpers for the JVM-spawning sections ----

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Starts {@code command}, returns the epoch ms at start and the first stdout line starting with {@code prefix}. */
    static long[] timeUntilLine(List<String> command, String prefix, long timeoutMillis) throws Exception {
        long t0 = System.currentTimeMillis();
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            long end = t0 + timeoutMillis;
            for (String line; (line = r.readLine()) != null && System.currentTimeMillis() < end; ) {
                if (line.startsWith(prefix)) {
                    long at = Long.parseLong(line.substring(prefix.length()).trim().split("\\s+")[0]);
                    return new long[] {t0, at};
                }
            }
            return null;
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }
}
