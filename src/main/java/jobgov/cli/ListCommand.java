package jobgov.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code jobgov list}: the governed JVMs and the jobs' cgroups on this machine. */
@Command(name = "list", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {
            "Lists the governed JVMs and the jobs' cgroups on this machine.",
            "",
            "Lists the jobs on this machine: JVMs governed by the agent or by jobgov run (found with the Attach API, "
                    + "so only this user's JVMs unless run as root), and jobs found by their cgroups (directories named jobgov-NAME.PID). "
                    + "SOURCE is agent, run or cgroup; STATUS is the agent's (governed, degraded, ungoverned), running, "
                    + "or stale for a cgroup whose governing process is gone (jobgov prune removes those). "
                    + "Command lines are cut to fit a line unless --wide is given.",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:listed (also when there is no job)", "2:bad flag"})
final class ListCommand implements Callable<Integer> {
    private static final String FORMAT = "%-8s %-24s %-7s %-10s %9s  %s";

    /** Command lines beyond this are cut (a test JVM's runs over 1,500 characters). */
    static final int COMMAND_WIDTH = 60;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = {"-w", "--wide"}, description = "Prints whole command lines instead of cutting them at " + COMMAND_WIDTH + " characters.")
    boolean wide;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<GovernedJvms.GovernedJvm> jvms = GovernedJvms.scan();
        List<JobCgroups.JobCgroup> cgroups = new ArrayList<>(JobCgroups.scan());
        out.println(String.format(FORMAT, "PID", "JOB", "SOURCE", "STATUS", "PROCESSES", "COMMAND").stripTrailing());
        for (GovernedJvms.GovernedJvm j : jvms) {
            JobCgroups.JobCgroup cg = cgroups.stream().filter(c -> c.pid() == j.pid() && c.name().equals(j.job())).findFirst().orElse(null);
            cgroups.remove(cg);
            String source = j.status().equals("run") ? "run" : "agent";
            String status = j.status().equals("run") ? "running" : j.status();
            out.println(String.format(FORMAT, j.pid(), j.job(), source, status, cg == null ? "-" : Integer.toString(cg.processes()), cut(j.command())));
        }
        for (JobCgroups.JobCgroup c : cgroups) {
            boolean alive = ProcessHandle.of(c.pid()).map(ProcessHandle::isAlive).orElse(false);
            String command = ProcessHandle.of(c.pid()).flatMap(h -> h.info().commandLine()).orElse(c.dirs().get(0).toString());
            out.println(String.format(FORMAT, c.pid(), c.name(), "cgroup", alive ? "running" : "stale", c.processes(), cut(command)));
        }
        out.flush();
        return ExitStatus.OK;
    }

    private String cut(String command) {
        String oneLine = command.replaceAll("\\s+", " ");
        return wide || oneLine.length() <= COMMAND_WIDTH ? oneLine : oneLine.substring(0, COMMAND_WIDTH - 3) + "...";
    }
}
