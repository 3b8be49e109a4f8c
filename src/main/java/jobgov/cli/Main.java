package jobgov.cli;

import java.io.PrintWriter;
import jobgov.boot.CommandEntry;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar jobgov.jar COMMAND ...}: the command-line tool (entered through jobgov.boot.Boot).
 * Exit codes are listed in {@link ExitStatus}.
 */
@Command(name = "jobgov", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Governs process trees as jobs: cgroups on Linux, Job Objects on Windows.",
        subcommands = {RunCommand.class, AttachCommand.class, ListCommand.class, StatusCommand.class, SetCommand.class,
            TerminateCommand.class, PruneCommand.class, TopCommand.class},
        footerHeading = "%n",
        footer = "Run jobgov COMMAND --help for a command's flags; docs/cli.md is the reference.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success (run: the command's own exit code)",
            "1:the operation failed (attach, status, set, terminate, prune)",
            "2:bad flag or value, or a limit refused: nothing was started",
            "124:run: --timeout ran out and the job was terminated",
            "125:run: jobgov could not create the job, load the policy (a syntax error too), or start Jolokia or the metrics endpoint",
            "126:the command is not executable",
            "127:the command was not found",
            "128+N:the command was killed by signal N (137: SIGKILL, e.g. the OOM killer)"})
public final class Main implements Runnable, CommandEntry {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code java -jar jobgov.jar ARGS}, through boot ({@link CommandEntry}, found as a service). */
    @Override
    public void run(String[] args) {
        main(args);
    }

    public static void main(String[] args) {
        // Log records (e.g. "jobgov runs DEGRADED") as one line each, like the CLI's own messages.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "jobgov: %4$s: %5$s%6$s%n");
        }
        System.exit(execute(args));
    }

    /** Runs one command line and returns its exit code (never exits the JVM itself). */
    public static int execute(String... args) {
        CommandLine cmd = new CommandLine(new Main());
        // run: everything from COMMAND on belongs to the command, even words that look like our flags.
        cmd.getSubcommands().get("run").setStopAtPositional(true);
        LimitFlags.addTo(cmd.getSubcommands().get("run").getCommandSpec());
        cmd.setParameterExceptionHandler(Main::badInput);
        cmd.setExecutionExceptionHandler((ex, line, parsed) -> {
            line.getErr().println(line.getCommandSpec().qualifiedName() + ": " + oneLine(ex));
            return ExitStatus.FAILED;
        });
        return cmd.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed: " + String.join(", ", spec.subcommands().keySet()) + " (jobgov --help lists what each does)");
    }

    /** Bad input: one line naming the flag, exit 2. */
    private static int badInput(CommandLine.ParameterException ex, String[] args) {
        CommandLine line = ex.getCommandLine();
        PrintWriter err = line.getErr();
        String name = line.getCommandSpec().qualifiedName();
        err.println(name + ": " + ex.getMessage() + " (see " + name + " --help)");
        err.flush();
        return ExitStatus.USAGE;
    }

    static String oneLine(Throwable t) {
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        return m.replace('\n', ' ');
    }
}
