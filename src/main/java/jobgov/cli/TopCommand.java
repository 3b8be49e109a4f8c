package jobgov.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import jobgov.job.JobUsage;
import jobgov.job.Units;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jobgov top}: every job on this machine, refreshed: CPU, memory and tasks against their limits, events per second. */
@Command(name = "top", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {
            "Shows every job on this machine, refreshed like top: CPU, memory and tasks against their limits, and events per second.",
            "",
            "Every job on this machine is shown, whoever made it: the jobgov-NAME.PID cgroups, as jobgov list finds them. "
                    + "CPU%% is the job's CPU time over the last interval, 100%% being one whole CPU, as top(1) counts (the header says how many "
                    + "CPUs the machine has). MEMORY and TASKS are read from the job's cgroups now, beside their limits (- when none). "
                    + "EVENTS/S counts the job events a governed JVM (agent or jobgov run) sent over JMX in the last interval; "
                    + "a job without such a JVM shows -.",
            "",
            "On a terminal the screen is redrawn every interval; type a sort key (c, m, t, e, n, p) and Enter to re-sort, q and Enter to quit. "
                    + "Elsewhere (a pipe, a script) each frame is printed after the last. --once prints one frame, measured over one interval, and exits.",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done (--once, -n, or q)", "2:a bad flag or value"})
final class TopCommand implements Callable<Integer> {
    private static final String FORMAT = "%-8s %-24s %-6s %6s %10s %10s %5s %6s %6s %8s";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    enum Sort {
        cpu, memory, tasks, events, name, pid;

        static Sort ofKey(String key) {
            for (Sort s : values()) {
                if (s.name().startsWith(key)) {
                    return s;
                }
            }
            return null;
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-s", "--sort"}, paramLabel = "KEY", description = "Sorts by cpu (the default), memory, tasks, events, name or pid.")
    Sort sort = Sort.cpu;

    @Option(names = {"-d", "--interval"}, paramLabel = "DURATION", description = "Time between frames (default 2s; at least 100ms).")
    String interval = "2s";

    @Option(names = "--once", description = "Prints one frame, measured over one interval, and exits.")
    boolean once;

    @Option(names = {"-n", "--iterations"}, paramLabel = "N", description = "Prints N frames, then exits.")
    Integer iterations;

    /** One row: a job and what its last interval measured. */
    record Row(long pid, String job, String source, double cpuPercent, OptionalLong memory, OptionalLong memoryLimit,
            OptionalLong tasks, OptionalLong tasksLimit, double eventsPerSecond) {
    }

    private record Sample(long nanos, OptionalLong cpuNanos, long events) {
    }

    @Override
    public Integer call() throws Exception {
        Duration every = RefreshInterval.parse(spec.commandLine(), interval);
        if (iterations != null && iterations < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--iterations: at least 1, got " + iterations);
        }
        int frames = once ? 1 : iterations == null ? Integer.MAX_VALUE : iterations;
        boolean terminal = System.console() != null && !once && iterations == null;
        if (terminal) {
            keys();
        }
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Sample> previous = new HashMap<>();
        try (EventRates events = new EventRates()) {
            sample(events, previous); // the first interval's start
            for (int frame = 0; frame < frames && !quit; frame++) {
                Thread.sleep(every.toMillis());
                List<Row> rows = sample(events, previous);
                rows.sort(order(sort));
                if (terminal) {
                    out.print("\033[H\033[2J");
                } else if (frame > 0) {
                    out.println();
                }
                out.print(render(rows, every, sort));
                out.flush();
            }
        }
        return ExitStatus.OK;
    }

    private volatile boolean quit;

    /** Sort keys and q from a terminal, a line at a time (a plain terminal has no raw keys without stty). */
    private void keys() {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in))) {
                for (String line; (line = in.readLine()) != null; ) {
                    String k = line.trim().toLowerCase(Locale.ROOT);
                    if (k.equals("q")) {
                        quit = true;
                        return;
                    }
                    Sort s = k.isEmpty() ? null : Sort.ofKey(k);
                    if (s != null) {
                        sort = s;
                    }
                }
            } catch (java.io.IOException ignored) {
                // no terminal input
            }
        }, "jobgov-top-keys");
        t.setDaemon(true);
        t.start();
    }

    /** Reads every job now; rows carry the rates since each job's previous sample (the first sample of a job has none). */
    private static List<Row> sample(EventRates events, Map<String, Sample> previous) {
        List<GovernedJvms.GovernedJvm> jvms = GovernedJvms.scan();
        events.watch(jvms);
        List<Row> rows = new ArrayList<>();
        Map<String, Sample> now = new HashMap<>();
        for (JobCgroups.JobCgroup c : JobCgroups.scan()) {
            GovernedJvms.GovernedJvm jvm = jvms.stream().filter(j -> j.pid() == c.pid() && j.job().equals(c.name())).findFirst().orElse(null);
            boolean alive = ProcessHandle.of(c.pid()).map(ProcessHandle::isAlive).orElse(false);
            String source = jvm == null ? (alive ? "cgroup" : "stale") : jvm.status().equals("run") ? "run" : "agent";
            JobUsage u = JobCgroups.usage(c);
            String key = c.pid() + "/" + c.name();
            Sample s = new Sample(System.nanoTime(), u.cpuNanos(), events.count(c.pid(), c.name()));
            now.put(key, s);
            Sample p = previous.get(key);
            double cpu = Double.NaN;
            double eps = Double.NaN;
            if (p != null && s.nanos() > p.nanos()) {
                double wall = s.nanos() - p.nanos();
                if (s.cpuNanos().isPresent() && p.cpuNanos().isPresent()) {
                    cpu = Math.max(0, s.cpuNanos().getAsLong() - p.cpuNanos().getAsLong()) * 100.0 / wall;
                }
                if (s.events() >= 0 && p.events() >= 0) {
                    eps = (s.events() - p.events()) * 1e9 / wall;
                }
            }
            rows.add(new Row(c.pid(), c.name(), source, cpu, u.memoryBytes(), u.memoryLimitBytes(), u.tasks(), u.tasksLimit(), eps));
        }
        previous.clear();
        previous.putAll(now);
        return rows;
    }

    static Comparator<Row> order(Sort sort) {
        Comparator<Row> byName = Comparator.comparing(Row::job).thenComparingLong(Row::pid);
        return switch (sort) {
            case name -> byName;
            case pid -> Comparator.comparingLong(Row::pid);
            case cpu -> Comparator.comparingDouble((Row r) -> nanLast(r.cpuPercent())).thenComparing(byName);
            case events -> Comparator.comparingDouble((Row r) -> nanLast(r.eventsPerSecond())).thenComparing(byName);
            case memory -> Comparator.comparingLong((Row r) -> -r.memory().orElse(-1)).thenComparing(byName);
            case tasks -> Comparator.comparingLong((Row r) -> -r.tasks().orElse(-1)).thenComparing(byName);
        };
    }

    /** Descending, with unknown values last. */
    private static double nanLast(double v) {
        return Double.isNaN(v) ? Double.POSITIVE_INFINITY : -v;
    }

    static String render(List<Row> rows, Duration every, Sort sort) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("jobgov top - %s, %d job%s, %d CPUs (CPU%% 100 = one CPU), every %s, sorted by %s%n",
                LocalTime.now().format(TIME), rows.size(), rows.size() == 1 ? "" : "s", Runtime.getRuntime().availableProcessors(),
                Units.formatDuration(every), sort));
        sb.append(String.format(FORMAT, "PID", "JOB", "SOURCE", "CPU%", "MEMORY", "MEM-LIMIT", "MEM%", "TASKS", "LIMIT", "EVENTS/S")
                .stripTrailing()).append('\n');
        for (Row r : rows) {
            String memPercent = r.memory().isPresent() && r.memoryLimit().isPresent() && r.memoryLimit().getAsLong() > 0
                    ? String.format("%.0f", r.memory().getAsLong() * 100.0 / r.memoryLimit().getAsLong()) : "-";
            sb.append(String.format(FORMAT, r.pid(), cut(r.job(), 24), r.source(), number(r.cpuPercent()), bytes(r.memory()),
                    bytes(r.memoryLimit()), memPercent, count(r.tasks()), count(r.tasksLimit()), number(r.eventsPerSecond()))
                    .stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    private static String cut(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "~";
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "-" : String.format("%.1f", v);
    }

    private static String count(OptionalLong v) {
        return v.isPresent() ? Long.toString(v.getAsLong()) : "-";
    }

    private static String bytes(OptionalLong v) {
        if (v.isEmpty()) {
            return "-";
        }
        double d = v.getAsLong();
        String[] units = {"B", "K", "M", "G", "T"};
        int i = 0;
        while (d >= 1024 && i < units.length - 1) {
            d /= 1024;
            i++;
        }
        return i == 0 ? String.format("%.0f%s", d, units[i]) : String.format("%.1f%s", d, units[i]);
    }
}
