package jobgov.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jobgov terminate TARGET}: kills every process of a running job through its MBean. */
@Command(name = "terminate", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {
            "Kills every process of a running job.",
            "",
            "TARGET is a governed JVM's pid or a job name (jobgov list shows them), or give --url for a remote JVM's Jolokia "
                    + "(a write: --user is needed beyond loopback). The job's terminate kills its processes through the cgroup "
                    + "(cgroup.kill, or freeze and kill), so a double-forked child is not missed. "
                    + "Terminating an agent's own job kills its children and their descendants; the governed JVM itself lives on (keep-host).",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the job was terminated", "1:no such job, or it could not be terminated", "2:bad flag"})
final class TerminateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    JobTarget remote = new JobTarget();

    @Option(names = "--exit-code", paramLabel = "N", defaultValue = "1", description = "The exit code the job's processes report on Windows (default: ${DEFAULT-VALUE}).")
    int exitCode;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TARGET", description = "A governed JVM's pid or a job name (or give --url).")
    String target;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        return remote.run(spec.commandLine(), target, view -> {
            JobSnapshot j = remote.pick(view, target);
            try {
                view.terminate(j.name(), exitCode);
            } catch (IOException e) {
                // The agent's own job takes the JVM and its JMX connection with it: gone is done.
                if (!(view instanceof JmxJobView) || target == null || ProcessHandle.of(JobTarget.pid(target)).map(ProcessHandle::isAlive).orElse(false)) {
                    throw e;
                }
            }
            out.println("job " + j.name() + " terminated");
            out.flush();
            return ExitStatus.OK;
        }, Main::oneLine);
    }
}
