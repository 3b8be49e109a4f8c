package jobgov.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;
import jobgov.job.LimitRefusedException;
import jobgov.job.LimitSpec;
import jobgov.http.Jolokia;
import jobgov.jmx.JobMBeans;
import jobgov.policy.PolicyRuntime;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jobgov run [limits] -- COMMAND [ARGS...]}: runs a command in a new job and exits with its exit code. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {
            "Runs COMMAND inside a new job with the given limits, prints the job's events to stderr",
            "(one line each), and exits with the command's exit code (128+N when killed by signal N).",
            "When the command exits, or jobgov is stopped (Ctrl-C, SIGTERM), every process left in the",
            "job is killed and the job's cgroups are removed.",
            "",
            "Sizes: 4096, 64k, 512m, 1.5g (powers of 1024). Durations: 500ms, 30s, 2m, 1h (a bare number",
            "is seconds). Each limit is enforced by the kernel or refused (exit 2, nothing started)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "N:the command's exit code",
            "128+N:the command was killed by signal N (137: SIGKILL, e.g. the OOM killer)",
            "2:bad flag or value, or a limit refused: nothing was started",
            "125:jobgov could not create the job or load the policy",
            "126:the command is not executable",
            "127:the command was not found"})
final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--name", paramLabel = "NAME", description = "The job's name (default: the command's file name).")
    String name;

    @Option(names = "--memory", paramLabel = "SIZE", description = "Job memory limit: all processes together (e.g. 64m).")
    String memory;

    @Option(names = "--process-memory", paramLabel = "SIZE", description = "Memory limit of each process (address space).")
    String processMemory;

    @Option(names = "--processes", paramLabel = "N", description = "Active process limit (on Linux: tasks, threads included).")
    String processes;

    @Option(names = "--cpu", paramLabel = "PERCENT%", description = "CPU hard cap, percent of the whole machine (e.g. 25%).")
    String cpu;

    @Option(names = "--cpu-weight", paramLabel = "N", description = "CPU weight 1-9 relative to other jobs (5 is the default share).")
    String cpuWeight;

    @Option(names = "--affinity", paramLabel = "LIST", description = "CPUs the job may run on (e.g. 0-1,3).")
    String affinity;

    @Option(names = "--process-time", paramLabel = "DURATION", description = "User CPU time limit of each process.")
    String processTime;

    @Option(names = "--job-time", paramLabel = "DURATION", description = "User CPU time limit of the whole job.")
    String jobTime;

    @Option(names = "--cgroup", paramLabel = "PARENT", description = "Parent cgroup to create the job under (default: this process's own cgroup).")
    String cgroup;

    @Option(names = "--policy", paramLabel = "FILE", description = "A Groovy policy governing the job, loaded before the command starts.")
    Path policy;

    @Option(names = "--jolokia", paramLabel = "[HOST:]PORT",
            description = "Serve the job's MBeans over Jolokia HTTP at http://HOST:PORT/jolokia/ (HOST defaults to 127.0.0.1).")
    String jolokia;

    @Option(names = {"-q", "--quiet"}, description = "Print no events, only errors.")
    boolean quiet;

    @Parameters(paramLabel = "COMMAND", arity = "1..*", description = "The command and its arguments (put -- before it).")
    List<String> command;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (quiet) {
            java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        }
        JobLimits limits = limits();
        String jobName = jobName();
        if (policy != null && !Files.isReadable(policy)) {
            throw bad("--policy: cannot read " + policy);
        }
        if (jolokia != null) {
            try {
                Jolokia.validate(Map.of("jolokia", jolokia));
            } catch (IllegalArgumentException e) {
                throw bad("--jolokia: " + Main.oneLine(e));
            }
        }
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
            err.println("jobgov run: --" + e.limit().key() + ": " + Main.oneLine(e));
            return ExitStatus.USAGE;
        } catch (IllegalArgumentException e) {
            err.println("jobgov run: " + Main.oneLine(e));
            return ExitStatus.USAGE;
        } catch (RuntimeException e) {
            err.println("jobgov run: cannot create the job: " + Main.oneLine(e));
            return ExitStatus.JOB_FAILED;
        }

        Set<Long> exited = ConcurrentHashMap.newKeySet();
        List<AutoCloseable> resources = new ArrayList<>();
        Thread hook = new Thread(() -> closeAll(job, resources), "jobgov-run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            job.subscribe(e -> {
                if (e instanceof JobEvent.ProcessExited || e instanceof JobEvent.AbnormalExit) {
                    exited.add(e.pid());
                }
                if (!quiet) {
                    err.println(EventLine.format(e));
                    err.flush();
                }
            });
            if (!quiet) {
                err.println(EventLine.prefix(Instant.now()) + "job " + job.name() + " backend=" + job.backend()
                        + " limits=" + (limits.requested().isEmpty() ? "none" : LimitSpec.format(limits))
                        + " location=" + job.location());
                err.flush();
            }
            // Visible to `jobgov list` and `jobgov status` like a JVM running the agent.
            System.setProperty("jobgov.job", job.name());
            register(job, resources);
            if (jolokia != null) {
                try {
                    resources.add(Jolokia.start(Map.of("jolokia", jolokia)));
                } catch (RuntimeException e) {
                    err.println("jobgov run: --jolokia " + jolokia + " not started: " + Main.oneLine(e));
                    return ExitStatus.JOB_FAILED;
                }
            }
            if (policy != null) {
                try {
                    resources.add(PolicyRuntime.load(policy.toAbsolutePath(), job, Map.of("name", job.name())));
                } catch (IllegalArgumentException e) {
                    err.println("jobgov run: --policy " + policy + ": " + Main.oneLine(e));
                    return ExitStatus.USAGE;
                } catch (RuntimeException e) {
                    err.println("jobgov run: --policy " + policy + " not loaded: " + Main.oneLine(e));
                    return ExitStatus.JOB_FAILED;
                }
            }

            Process p;
            try {
                p = job.start(new ProcessBuilder(command).inheritIO());
            } catch (RuntimeException e) {
                return cannotStart(err, e);
            }
            int code = waitFor(p);
            awaitExitEvent(exited, p.pid());
            closeAll(job, resources);
            if (!quiet) {
                err.println(EventLine.prefix(Instant.now()) + "exit " + code + (code > 128 ? " (signal " + (code - 128) + ")" : ""));
                err.flush();
            }
            return code;
        } finally {
            closeAll(job, resources);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: it closes the job
            }
        }
    }

    /** Every limit flag through {@link LimitSpec}, so the CLI, agent options and MBeans parse alike. */
    private JobLimits limits() {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("memory", memory);
        flags.put("process-memory", processMemory);
        flags.put("processes", processes);
        flags.put("cpu", cpu);
        flags.put("cpu-weight", cpuWeight);
        flags.put("affinity", affinity);
        flags.put("process-time", processTime);
        flags.put("job-time", jobTime);
        if (cpu != null && cpuWeight != null) {
            // Separately each is fine; LimitSpec would let the later one replace the earlier mode.
            throw bad("--cpu and --cpu-weight cannot be combined: choose one CPU rate mode");
        }
        JobLimits limits = JobLimits.NONE;
        for (Map.Entry<String, String> f : flags.entrySet()) {
            String v = f.getValue();
            if (v == null) {
                continue;
            }
            String flag = "--" + f.getKey();
            // In a spec "0"/"none" clears a limit; on the command line leaving the flag out does that.
            if (v.isBlank() || v.trim().equals("0") || v.trim().equalsIgnoreCase("none")) {
                throw bad(flag + ": needs a positive value, got '" + v + "' (leave the flag out for no limit)");
            }
            if (v.contains(",") && !f.getKey().equals("affinity")) {
                throw bad(flag + ": one value expected, got '" + v + "'");
            }
            try {
                limits = LimitSpec.apply(f.getKey() + "=" + v, limits);
            } catch (IllegalArgumentException e) {
                String m = Main.oneLine(e);
                throw bad(flag + ": " + (m.startsWith(f.getKey() + ": ") ? m.substring(f.getKey().length() + 2) : m));
            }
        }
        return limits;
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

    private static void register(Job job, List<AutoCloseable> resources) {
        try {
            resources.add(JobMBeans.register(job));
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

    /** The JDK reports a death by signal N as exit value 128+N, the shell's convention. */
    private static int waitFor(Process p) {
        while (true) {
            try {
                return p.waitFor();
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

    private static void closeAll(Job job, List<AutoCloseable> resources) {
        synchronized (resources) {
            for (int i = resources.size() - 1; i >= 0; i--) {
                AutoCloseable r = resources.get(i);
                try {
                    r.close();
                } catch (Exception e) {
                    System.getLogger("jobgov.cli").log(System.Logger.Level.WARNING, "close failed: " + e);
                }
            }
            resources.clear();
        }
        job.close();
    }
}
