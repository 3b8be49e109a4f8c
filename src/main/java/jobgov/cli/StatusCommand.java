package jobgov.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import jobgov.job.Units;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jobgov status PID|NAME [--watch]}: a job's limits, counters and processes. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {
            "Prints a governed JVM's jobs: their limits, counters and processes.",
            "",
            "Prints the limits, counters and processes of the jobs in a governed JVM (the agent's job, its sub-jobs, "
                    + "or the job of a jobgov run), read from the JVM's MBeans over local JMX, or over Jolokia HTTP with --url. "
                    + "TARGET is the JVM's pid or the job's name (as jobgov list shows it). "
                    + "With --watch the report is redrawn in place every --interval until Ctrl-C; --json prints it as one JSON object.",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:printed (with --watch: stopped by Ctrl-C)",
            "1:no such governed JVM or job, or it could not be read (with --watch: it went away)",
            "2:bad flag"})
final class StatusCommand implements Callable<Integer> {
    /** Clear the screen and move home, as top does. */
    private static final String REDRAW = "\033[H\033[2J";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TARGET", description = "A governed JVM's pid or a job name, as jobgov list shows them (or give --url).")
    String target;

    @Option(names = "--url", paramLabel = "URL",
            description = "Reads over HTTP from the JVM's Jolokia endpoint instead, e.g. http://host:8778/jolokia/ (agent option jolokia=HOST:PORT).")
    String url;

    @Option(names = "--user", paramLabel = "USER",
            description = "With --url: the jolokiaUser; the password comes from --password-file, else $JOBGOV_JOLOKIA_PASSWORD, else a prompt. Reads need no credentials.")
    String user;

    @Option(names = "--password-file", paramLabel = "PATH", description = "With --user: a file whose first line is the password.")
    java.nio.file.Path passwordFile;

    @Option(names = {"-w", "--watch"}, description = "Redraws the report in place every --interval until Ctrl-C.")
    boolean watch;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "2s", description = "The refresh interval of --watch (default: ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "--job", paramLabel = "NAME", description = "Reports only this job of the JVM (default: all of its jobs).")
    String job;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Duration every;
        try {
            every = Units.parseDuration(interval);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval: " + e.getMessage());
        }
        if (every.toMillis() < 100) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval: at least 100ms, got " + interval);
        }
        try (JobView view = open()) {
            do {
                List<JobSnapshot> jobs = view.jobs().stream().filter(j -> job == null || j.name().equals(job)).toList();
                if (jobs.isEmpty()) {
                    err.println("jobgov status: " + view.source() + (job == null ? " has no jobgov:type=Job MBean" : " has no job named '" + job + "'"));
                    return ExitStatus.FAILED;
                }
                out.print((watch ? REDRAW : "") + StatusReport.render(view.source(), jobs, Instant.now(), view.local()));
                out.flush();
                if (watch) {
                    Thread.sleep(every.toMillis());
                }
            } while (watch);
            return ExitStatus.OK;
        } catch (TargetNotFound | AttachTarget.AttachRefused e) {
            err.println("jobgov status: " + e.getMessage());
            return ExitStatus.FAILED;
        } catch (IOException e) {
            err.println("jobgov status: cannot read " + (target != null ? target : url) + (watch ? " any more" : "") + ": " + Main.oneLine(e));
            return ExitStatus.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitStatus.OK;
        }
    }

    /** The data source for the target: local JMX of the JVM with that pid or that job. */
    private JobView open() throws IOException {
        if (url == null && target == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "which job? Give a governed JVM's pid or a job name (jobgov list shows them), or --url http://HOST:PORT/jolokia/");
        }
        if (url != null && target != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either TARGET (" + target + ") or --url, not both");
        }
        if (url == null) {
            if (user != null || passwordFile != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--user and --password-file go with --url");
            }
            return JmxJobView.connect(pid());
        }
        try {
            return new JolokiaJobView(jobgov.http.RemoteJobs.at(url, user, user == null ? null : password()));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--url: " + e.getMessage());
        }
    }

    /** Never from the command line, which ps shows. */
    private char[] password() throws IOException {
        if (passwordFile != null) {
            String text = java.nio.file.Files.readString(passwordFile);
            int nl = text.indexOf('\n');
            return (nl < 0 ? text : text.substring(0, nl)).replaceAll("\r$", "").toCharArray();
        }
        String env = System.getenv("JOBGOV_JOLOKIA_PASSWORD");
        if (env != null) {
            return env.toCharArray();
        }
        java.io.Console console = System.console();
        if (console == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--user needs a password: --password-file PATH, $JOBGOV_JOLOKIA_PASSWORD, or a terminal to ask on");
        }
        char[] typed = console.readPassword("Jolokia password for %s: ", user);
        return typed == null ? new char[0] : typed;
    }

    private long pid() {
        if (target.matches("\\d+")) {
            return Long.parseLong(target);
        }
        List<GovernedJvms.GovernedJvm> named = GovernedJvms.scan().stream().filter(g -> g.job().equals(target)).toList();
        if (named.isEmpty()) {
            throw new TargetNotFound("no governed JVM runs a job named '" + target + "' (see jobgov list)");
        }
        if (named.size() > 1) {
            throw new TargetNotFound("several JVMs run a job named '" + target + "': pids "
                    + named.stream().map(g -> Long.toString(g.pid())).toList() + ": give the pid");
        }
        return named.get(0).pid();
    }

    /** No governed JVM matches the target. */
    static final class TargetNotFound extends RuntimeException {
        TargetNotFound(String message) {
            super(message);
        }
    }
}
