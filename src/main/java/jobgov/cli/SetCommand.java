package jobgov.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import jobgov.job.LimitSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jobgov set TARGET KEY=VALUE...}: changes a running job's limits, all or nothing, through its MBean. */
@Command(name = "set", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {
            "Changes the limits of a running job, all of them or none.",
            "",
            "TARGET is a governed JVM's pid or a job name (jobgov list shows them), or give --url for a remote JVM's Jolokia. "
                    + "Each KEY=VALUE is a limit as in jobgov run's flags without the dashes, e.g. memory=256m processes=32 cpu=25%%; "
                    + "a value of none clears that limit. The values are checked here first, then the job's setLimits "
                    + "applies them together: if the kernel refuses one, none changes.",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the limits are in force", "1:no such job, or the job refused the limits (nothing changed)", "2:bad flag or limit value (nothing sent)"})
final class SetCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    JobTarget remote = new JobTarget();

    @Parameters(paramLabel = "[TARGET] KEY=VALUE", arity = "1..*", description = "The job (unless --url) and the limits to set.")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<String> pairs = new ArrayList<>(args);
        String target = remote.url == null && !pairs.isEmpty() && !pairs.get(0).contains("=") ? pairs.remove(0) : null;
        if (pairs.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no limit given: add KEY=VALUE, e.g. memory=256m");
        }
        StringJoiner joined = new StringJoiner(",");
        for (String p : pairs) {
            if (!p.contains("=")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "'" + p + "' is not KEY=VALUE (e.g. memory=256m)");
            }
            joined.add(p);
        }
        String limits = joined.toString();
        try {
            LimitSpec.parse(limits);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), Main.oneLine(e));
        }
        return remote.run(spec.commandLine(), target, view -> {
            JobSnapshot j = remote.pick(view, target);
            view.setLimits(j.name(), limits);
            String now = view.jobs().stream().filter(x -> x.name().equals(j.name())).map(JobSnapshot::limitSpec).findFirst().orElse("?");
            out.println("job " + j.name() + " limits=" + (now.isEmpty() ? "none" : now));
            out.flush();
            return ExitStatus.OK;
        }, e -> words(e) + " (nothing changed)");
    }

    private static String words(IOException e) {
        if (e.getCause() instanceof jobgov.job.LimitRefusedException r) {
            return PlatformWords.refusal(r, true).replace("; the previous limits are back in force", "");
        }
        String m = Main.oneLine(e);
        String w = m.replaceAll("\\s*\\((?:JOB_OBJECT_|JOBOBJECT_|JobObject)[A-Za-z_ /]*\\)", "");
        if (w.contains("Device or resource busy") && w.contains("memory")) {
            w += " (the job already uses more memory than that and the kernel could not reclaim enough:"
                    + " give a limit above its current usage, or free memory in the job first)";
        }
        return w.replace("; the previous limits are back in force", "");
    }
}
