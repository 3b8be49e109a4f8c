package jobgov.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import jobgov.job.JobException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code jobgov prune}: removes the cgroups of stale jobs, those {@code list} shows as stale (the
 * governing process, the PID in {@code jobgov-NAME.PID}, is gone). Only empty job cgroups are
 * removed, never one that holds a process, and never this process's own cgroup or an ancestor.
 */
@Command(name = "prune", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {
            "Removes the cgroups of stale jobs, whose governing process is gone.",
            "",
            "A stale job is a directory named jobgov-NAME.PID in any cgroup hierarchy whose process PID no longer exists "
                    + "(jobgov list shows it as stale). Only empty ones are removed (rmdir, nested cgroups first); "
                    + "a stale job that still holds processes is reported and left alone, and so is anything that is not such a directory.",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every stale job was removed (or there was none)", "1:a stale job could not be removed (printed)", "2:bad flag"})
final class PruneCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = {"-n", "--dry-run"}, description = "Prints what would be removed and removes nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int failed = 0;
        int removed = 0;
        for (JobCgroups.JobCgroup job : JobCgroups.scan()) {
            if (ProcessHandle.of(job.pid()).isPresent()) {
                continue; // its owner lives: not stale
            }
            for (Path dir : job.dirs()) {
                try {
                    JobCgroups.backendOf(dir).removeStale(dir, dryRun);
                    out.println((dryRun ? "would remove " : "removed ") + dir);
                    removed++;
                } catch (IOException | JobException e) {
                    err.println("jobgov prune: " + dir + ": " + Main.oneLine(e));
                    failed++;
                }
            }
        }
        if (removed == 0 && failed == 0) {
            out.println("no stale job cgroup");
        }
        out.flush();
        return failed == 0 ? ExitStatus.OK : ExitStatus.FAILED;
    }
}
