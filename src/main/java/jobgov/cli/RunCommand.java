package jobgov.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import jobgov.agent.AgentStatus;
import jobgov.agent.Governance;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;
import jobgov.job.LimitRefusedException;
import jobgov.job.LimitSpec;
import jobgov.job.Units;
import jobgov.http.Jolokia;
import jobgov.metrics.Metrics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jobgov run [limits] -- COMMAND [ARGS...]}: runs a command in a new job and exits with its exit code. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {
            "Runs a command in a new job with limits, and exits with the command's exit code.",
            "",
            "Runs COMMAND inside a new job with the given limits and exits with the command's exit code (128+N when a signal N killed it). "
                    + "By default jobgov prints one line on stderr when the job starts (its backend, limits and cgroups) and one when it ends "
                    + "(the exit status and the limits it hit); -v adds a line per job event, --json makes every line a JSON object.",
            "",
            "When the command exits, or jobgov is stopped (Ctrl-C, SIGTERM), every process left in the job is killed and the job's cgroups are removed.",
            "",
            "Sizes: 4096, 64k, 512m, 1.5g (powers of 1024). Durations: 500ms, 30s, 2m, 1h (a bare number is seconds). "
                    + "Percentages: 25%% or 25. Each limit is enforced by the kernel or refused (exit 2, nothing started).",
            "",
            "--cpu counts the WHOLE machine (50%% on 2 CPUs is one CPU), as a Windows job does; systemd's CPUQuota= counts one CPU "
                    + "(100%% is one CPU): -p CPUQuota=100%% and --cpu 50%% are the same cap on a 2-CPU machine.",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "N:the command's exit code",
            "128+N:the command was killed by signal N (137: SIGKILL, e.g. the OOM killer; 130/143: jobgov stopped by SIGINT/SIGTERM)",
            "2:bad flag or value, or a limit refused: nothing was started",
            "124:--timeout (or -p RuntimeMaxSec) ran out: the job was terminated",
            "125:jobgov could not create the job, load the policy (a syntax error too), or start Jolokia or the metrics endpoint",
            "126:the command is not executable",
            "127:the command was not found"})
final class RunCommand implements Callable<Integer> {
    /** The exit code of a run whose --timeout ran out, as GNU timeout(1) uses. */
    static final int TIMED_OUT = 124;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--name", paramLabel = "NAME", description = "The job's name (default: the command's file name).")
    String name;

    // The limit flags (--memory, --processes, --cpu, ...) are added from LimitFlags.ROWS by Main.

    @Option(names = {"-p", "--property"}, paramLabel = "NAME=VALUE",
            description = "A systemd resource property with systemd's units: MemoryMax, MemoryHigh, MemoryLow, TasksMax, "
                    + "CPUQuota (100%% is one CPU), CPUWeight (1-10000), AllowedCPUs, IOReadBandwidthMax with IOWriteBandwidthMax, "
                    + "RuntimeMaxSec. Others are refused by name. Repeatable.")
    List<String> properties = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "Terminates the job when the command has run this long (wall clock), and exits 124.")
    String timeout;

    @Option(names = "--cgroup", paramLabel = "PARENT", description = "Creates the job under this parent cgroup (default: this process's own cgroup).")
    String cgroup;

    @Option(names = "--policy", paramLabel = "FILE", description = "Governs the job with this Groovy policy, compiled and armed before the command starts.")
    Path policy;

    @Option(names = "--param", paramLabel = "KEY=VALUE",
            description = "A parameter for the policy, read there with param('KEY', fallback). Repeatable.")
    List<String> params = new ArrayList<>();

    @Option(names = "--jolokia", paramLabel = "[HOST:]PORT",
            description = "Serves the job's MBeans over Jolokia HTTP at http://HOST:PORT/jolokia/ (HOST defaults to 127.0.0.1).")
    String jolokia;

    @Option(names = "--jolokia-user", paramLabel = "USER",
            description = "The Jolokia user allowed to write limits and terminate (needed to listen beyond loopback); "
                    + "its password comes from --jolokia-password-file.")
    String jolokiaUser;

    @Option(names = "--jolokia-password-file", paramLabel = "FILE", description = "A file whose first line is the Jolokia user's password.")
    String jolokiaPasswordFile;

    @Option(names = "--metrics", paramLabel = "[HOST:]PORT",
            description = "Serves the job's metrics in the Prometheus/OpenMetrics text format at http://HOST:PORT/metrics "
                    + "(HOST defaults to 127.0.0.1).")
    String metrics;

    @Option(names = "--metrics-user", paramLabel = "USER",
            description = "The user every scrape must name (needed to listen beyond loopback); its password comes from --metrics-password-file.")
    String metricsUser;

    @Option(names = "--metrics-password-file", paramLabel = "FILE", description = "A file whose first line is the metrics user's password.")
    String metricsPasswordFile;

    @Option(names = {"-v", "--verbose"}, description = "Prints every job event as one line too.")
    boolean verbose;

    @Option(names = "--json", description = "Prints each line as one JSON object (start, events with -v, end).")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "Prints nothing but errors.")
    boolean quiet;

    @Parameters(paramLabel = "COMMAND", arity = "1..*", description = "The command and its arguments (put -- before it).")
    List<String> command;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (quiet) {
            java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        }
        SystemdProperties.Mapped props;
        try {
            props = SystemdProperties.map(properties, Runtime.getRuntime().availableProcessors());
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        JobLimits limits = limits(props);
        Duration wallClock = wallClock(props);
        Map<String, String> policyOptions = policyOptions();
        String jobName = jobName();
        if (policy != null && !Files.isReadable(policy)) {
            throw bad("--policy: cannot read " + policy);
        }
        if (policy == null && !params.isEmpty()) {
            throw bad("--param goes with --policy: it is read by the policy");
        }
        try {
            JobSpec.checkParent(cgroup);
        } catch (IllegalArgumentException e) {
            throw bad("--cgroup: " + e.getMessage());
        }
        Map<String, String> jolokiaOptions = jolokiaOptions();
        Map<String, String> metricsOptions = metricsOptions();
        JobSpec jobSpec;
        try {
            jobSpec = new JobSpec(jobName, cgroup, limits);
        } catch (IllegalArgumentException e) {
            throw bad("--name: " + e.getMessage());
        }

        Job job;
        try {
            job = Jobs.create(jobSpec);
        } catch (LimitRefusedException e) {
            err.println("jobgov run: --" + e.limit().key() + ": " + PlatformWords.refusal(e, false));
            return ExitStatus.USAGE;
        } catch (IllegalArgumentException e) {
            err.println("jobgov run: " + Main.oneLine(e));
            return ExitStatus.USAGE;
        } catch (RuntimeException e) {
            err.println("jobgov run: cannot create the job: " + Main.oneLine(e));
            return ExitStatus.JOB_FAILED;
        }

        Set<Long> exited = ConcurrentHashMap.newKeySet();
        Map<String, Integer> hit = new java.util.concurrent.ConcurrentSkipListMap<>();
        Governance governance = new Governance(job);
        Thread hook = new Thread(governance::close, "jobgov-run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            job.subscribe(e -> {
                if (e instanceof JobEvent.ProcessExited || e instanceof JobEvent.AbnormalExit) {
                    exited.add(e.pid());
                }
                if (e.type().startsWith("jobgov.limit.")) {
                    hit.merge(e.type().substring("jobgov.".length()), 1, Integer::sum);
                }
                if (verbose && !quiet) {
                    err.println(json ? Json.write(Json.event(e)) : EventLine.format(e));
                    err.flush();
                }
            });
            // Visible to `jobgov list` and `jobgov status` like a JVM running the agent.
            System.setProperty(AgentStatus.JOB, job.name());
            Metrics counted = metricsOptions == null ? null : governance.add(Metrics.count(metricsOptions));
            publish(governance); // after the counting starts, so the Job MBean's first events are counted
            if (counted != null) {
                try {
                    counted.serve();
                } catch (RuntimeException e) {
                    err.println("jobgov run: --metrics " + metrics + " not started: " + Main.oneLine(e));
                    return ExitStatus.JOB_FAILED;
                }
            }
            if (jolokiaOptions != null) {
                try {
                    governance.startJolokia(jolokiaOptions);
                } catch (RuntimeException e) {
                    err.println("jobgov run: --jolokia " + jolokia + " not started: " + Main.oneLine(e));
                    return ExitStatus.JOB_FAILED;
                }
            }
            if (policy != null) {
                try {
                    governance.loadPolicy(policy.toAbsolutePath(), policyOptions);
                } catch (LimitRefusedException e) {
                    err.println("jobgov run: --policy " + policy + ": " + PlatformWords.refusal(e, false));
                    return ExitStatus.JOB_FAILED;
                } catch (RuntimeException e) {
                    err.println("jobgov run: --policy " + policy + " not loaded: " + Main.oneLine(e));
                    return ExitStatus.JOB_FAILED;
                }
            }
            if (!quiet) {
                // After the policy: its job { } block may have set limits the banner must show.
                JobLimits now = job.limits();
                String shown = now.requested().isEmpty() ? "none" : LimitSpec.format(now);
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("time", Instant.now().toString());
                    m.put("event", "job.start");
                    m.put("job", job.name());
                    m.put("backend", job.backend());
                    m.put("limits", shown.equals("none") ? "" : shown);
                    m.put("timeout", wallClock == null ? null : wallClock.toMillis());
                    m.put("location", job.location());
                    if (counted != null) {
                        m.put("metrics", counted.url());
                    }
                    err.println(Json.write(m));
                } else {
                    err.println(EventLine.prefix(Instant.now()) + "job " + job.name() + " backend=" + job.backend() + " limits=" + shown
                            + (wallClock == null ? "" : " timeout=" + Units.formatDuration(wallClock))
                            + (counted == null ? "" : " metrics=" + counted.url()) + " location=" + job.location());
                }
                err.flush();
            }

            Process p;
            try {
                p = job.start(new ProcessBuilder(command).inheritIO());
            } catch (RuntimeException e) {
                return cannotStart(err, e);
            }
            boolean timedOut = !waitFor(p, wallClock);
            if (timedOut) {
                job.terminate(TIMED_OUT);
                hit.merge("timeout", 1, Integer::sum);
                waitFor(p, null);
            }
            int code = timedOut ? TIMED_OUT : p.exitValue();
            awaitExitEvent(exited, p.pid());
            governance.close();
            if (!quiet) {
                printEnd(err, code, timedOut ? p.exitValue() : code, hit);
            }
            return code;
        } finally {
            governance.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: it closes the job
            }
        }
    }

    /** The end line: {@code exit 137 (signal 9), hit limit.job-memory}. */
    private void printEnd(PrintWriter err, int code, int commandCode, Map<String, Integer> hit) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("time", Instant.now().toString());
            m.put("event", "job.end");
            m.put("exitCode", code);
            m.put("signal", commandCode > 128 ? commandCode - 128 : null);
            m.put("hit", new LinkedHashMap<>(hit));
            err.println(Json.write(m));
        } else {
            String hits = hit.entrySet().stream().map(e -> e.getKey() + (e.getValue() > 1 ? " x" + e.getValue() : ""))
                    .collect(java.util.stream.Collectors.joining(", "));
            String why = code == TIMED_OUT && hit.containsKey("timeout") ? " (timeout: the job was terminated)"
                    : code > 128 ? " (signal " + (code - 128) + ")" : "";
            err.println(EventLine.prefix(Instant.now()) + "exit " + code + why + (hits.isEmpty() ? "" : ", hit " + hits));
        }
        err.flush();
    }

    /** The limit flags and -p properties through {@link LimitSpec}, as agent options and MBeans parse them. */
    private JobLimits limits(SystemdProperties.Mapped props) {
        Map<String, String> flags = LimitFlags.given(spec);
        if (flags.containsKey("cpu") && flags.containsKey("cpu-weight")) {
            // Separately each is fine; LimitSpec would let the later one replace the earlier mode.
            throw bad("--cpu and --cpu-weight cannot be combined: choose one CPU rate mode");
        }
        for (String key : props.limits().keySet()) {
            if (flags.containsKey(key)) {
                throw bad("--" + key + " and the -p property that sets it cannot both be given");
            }
        }
        Map<String, String> all = new LinkedHashMap<>(flags);
        all.putAll(props.limits());
        return LimitFlags.apply(spec.commandLine(), all, JobLimits.NONE);
    }

    private Duration wallClock(SystemdProperties.Mapped props) {
        if (timeout != null && props.runtimeMax() != null) {
            throw bad("--timeout and -p RuntimeMaxSec cannot both be given");
        }
        if (props.runtimeMax() != null) {
            return props.runtimeMax();
        }
        if (timeout == null) {
            return null;
        }
        Duration d;
        try {
            d = Units.parseDuration(timeout);
        } catch (IllegalArgumentException e) {
            throw bad("--timeout: " + e.getMessage());
        }
        if (d.isZero() || d.isNegative()) {
            throw bad("--timeout: must be positive, got '" + timeout + "'");
        }
        return d;
    }

    private Map<String, String> policyOptions() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("name", name != null ? name : jobName());
        for (String p : params) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw bad("--param: expected KEY=VALUE, got '" + p + "'");
            }
            String key = p.substring(0, eq).trim();
            if (!key.matches("[A-Za-z0-9._-]+")) {
                throw bad("--param: '" + key + "' is not a parameter name (letters, digits, . _ -)");
            }
            if (o.put("param." + key, p.substring(eq + 1)) != null) {
                throw bad("--param: " + key + " given twice");
            }
        }
        return o;
    }

    /** The agent's Jolokia options from --jolokia and its credentials, checked by the same rules. */
    private Map<String, String> jolokiaOptions() {
        if (jolokia == null) {
            if (jolokiaUser != null || jolokiaPasswordFile != null) {
                throw bad("--jolokia-user and --jolokia-password-file go with --jolokia");
            }
            return null;
        }
        Map<String, String> o = new LinkedHashMap<>();
        o.put("jolokia", jolokia);
        if (jolokiaUser != null) {
            o.put("jolokiaUser", jolokiaUser);
        }
        if (jolokiaPasswordFile != null) {
            o.put("jolokiaPasswordFile", jolokiaPasswordFile);
        }
        try {
            Jolokia.validate(o);
        } catch (IllegalArgumentException e) {
            throw bad("--jolokia: " + Main.oneLine(e).replace("jolokiaUser= and jolokiaPasswordFile= (or jolokiaPasswordEnv=)",
                    "--jolokia-user and --jolokia-password-file"));
        }
        return o;
    }

    /** The agent's metrics options from --metrics and its credentials, checked by the same rules. */
    private Map<String, String> metricsOptions() {
        if (metrics == null) {
            if (metricsUser != null || metricsPasswordFile != null) {
                throw bad("--metrics-user and --metrics-password-file go with --metrics");
            }
            return null;
        }
        Map<String, String> o = new LinkedHashMap<>();
        o.put("metrics", metrics);
        if (metricsUser != null) {
            o.put("metricsUser", metricsUser);
        }
        if (metricsPasswordFile != null) {
            o.put("metricsPasswordFile", metricsPasswordFile);
        }
        try {
            Metrics.validate(o);
        } catch (IllegalArgumentException e) {
            throw bad("--metrics: " + Main.oneLine(e).replace("metricsUser= and metricsPasswordFile= (or metricsPasswordEnv=)",
                    "--metrics-user and --metrics-password-file"));
        }
        return o;
    }

    private String jobName() {
        if (name != null) {
            return name;
        }
        String base = Path.of(command.get(0)).getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "-");
        base = base.replaceFirst("^[^A-Za-z0-9]+", "");
        return base.isEmpty() ? "job" : base.length() > 60 ? base.substring(0, 60) : base;
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private static void publish(Governance governance) {
        try {
            governance.publishJob();
        } catch (RuntimeException | LinkageError e) {
            // Without the Job MBean `jobgov status` cannot read this job; running the command matters more.
            System.getLogger("jobgov.cli").log(System.Logger.Level.DEBUG, "Job MBean not registered: " + e);
        }
    }

    private int cannotStart(PrintWriter err, RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (t instanceof IOException && m != null) {
                // "Cannot run program "x": error=2, No such file or directory": keep the errno part
                err.println("jobgov run: cannot run " + command.get(0) + ": " + m.substring(m.lastIndexOf(": ") + 2));
                return m.contains("error=2,") ? ExitStatus.NOT_FOUND : ExitStatus.NOT_EXECUTABLE;
            }
        }
        err.println("jobgov run: cannot run " + command.get(0) + ": " + Main.oneLine(e));
        return e instanceof JobException ? ExitStatus.JOB_FAILED : ExitStatus.NOT_EXECUTABLE;
    }

    /** Waits for the command, at most {@code limit} (null: no limit); false when the limit ran out. */
    private static boolean waitFor(Process p, Duration limit) {
        long deadline = limit == null ? 0 : System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                if (limit == null) {
                    p.waitFor();
                    return true;
                }
                long left = deadline - System.nanoTime();
                return left > 0 ? p.waitFor(left, TimeUnit.NANOSECONDS) : !p.isAlive();
            } catch (InterruptedException e) {
                // keep waiting: only the command's end or the shutdown hook ends a run
            }
        }
    }

    /** Lets the event thread print the command's exit before the job closes (bounded: never hangs a run). */
    private static void awaitExitEvent(Set<Long> exited, long pid) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_000);
        while (!exited.contains(pid) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
