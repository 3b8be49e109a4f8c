package jobgov.linux;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import jobgov.job.JobBackend;
import jobgov.job.ProcessInfo;

/** What the two cgroup backends answer alike: where job cgroups live on this machine, removing a stale one, and process facts from /proc. */
interface CgroupBackend extends JobBackend {
    /** Every mounted cgroup hierarchy (one mount of each; /proc/self/mountinfo read by {@link CgroupMounts}). */
    @Override
    default List<Path> jobRoots() {
        return CgroupMounts.read().hierarchies().stream().map(Hierarchy::mountPoint).toList();
    }

    @Override
    default void removeStale(Path dir, boolean dryRun) throws java.io.IOException {
        StaleCgroups.remove(dir, dryRun);
    }

    /** From the cgroup files of both versions: cpuacct/cpu.stat, memory usage and limit, pids. */
    @Override
    default jobgov.job.JobUsage usage(List<Path> dirs) {
        return CgroupUsage.read(dirs);
    }

    /** From /proc: the command line as the process wrote its argv (not the JDK's resolved executable path). */
    @Override
    default Optional<ProcessInfo> process(long pid) {
        return ProcessStat.read(pid);
    }
}
