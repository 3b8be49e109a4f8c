package jobgov.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
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

    @CommandLine.Mixin
    JobTarget remote = new JobTarget();

    @Option(names = {"-w", "--watch"}, description = "Redraws the report in place every --interval until Ctrl-C.")
    boolean watch;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "2s", description = "The refresh interval of --watch (default: ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "--json", description = "Prints the report as one JSON object per read (with --watch: one line each time).")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Duration every = RefreshInterval.parse(spec.commandLine(), interval);
        String job = remote.job;
        return remote.run(spec.commandLine(), target, view -> {
            do {
                List<JobSnapshot> jobs = view.jobs().stream().filter(j -> job == null || j.name().equals(job)).toList();
                if (jobs.isEmpty()) {
                    err.println("jobgov status: " + view.source() + (job == null ? " has no jobgov:type=Job MBean" : " has no job named '" + job + "'"));
                    return ExitStatus.FAILED;
                }
                if (json) {
                    out.println(Json.write(StatusReport.json(view.source(), jobs, Instant.now())));
                } else {
                    out.print((watch ? REDRAW : "") + StatusReport.render(view.source(), jobs, Instant.now(), view.local()));
                }
                out.flush();
                if (watch) {
                    Thread.sleep(every.toMillis());
                }
            } while (watch);
            return ExitStatus.OK;
        }, e -> "cannot read " + (target != null ? target : remote.url) + (watch ? " any more" : "") + ": " + Main.oneLine(e));
    }
}
