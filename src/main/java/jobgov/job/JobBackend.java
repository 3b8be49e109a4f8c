package jobgov.job;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The platform SPI: one implementation per mechanism (windows, cgroup2, cgroup1, degraded), found with
 * {@link java.util.ServiceLoader} and chosen at run time by {@link Jobs}. Only backends know a platform.
 */
public interface JobBackend {
    /** {@code windows}, {@code cgroup2}, {@code cgroup1} or {@code degraded}. */
    String name();

    /** Higher wins among the usable backends. */
    int priority();

    /** Empty when this backend can govern jobs here; otherwise why not (shown to users). */
    Optional<String> unavailableReason();

    /**
     * False for a backend of another operating system (windows on Linux): {@link Jobs} then passes over
     * it quietly instead of listing it among the reasons for running degraded.
     */
    default boolean forThisOperatingSystem() {
        return true;
    }

    /** The limits this backend makes the kernel enforce. */
    Set<Limit> capabilities();

    /** Why a limit outside {@link #capabilities()} is refused, and what would fix it. */
    default String refusalReason(Limit limit) {
        return "not supported on this platform";
    }

    /**
     * The process {@code pid} now, or empty when it is gone. Every backend answers for any process of this
     * machine (a policy asks about its job's processes and their parents); the default is what the JDK's
     * ProcessHandle tells.
     */
    default Optional<ProcessInfo> process(long pid) {
        return ProcessInfo.fromProcessHandle(pid);
    }

    /**
     * Where jobs of this backend live on this machine as directories, to list them whoever made them (the
     * mount points of the cgroup hierarchies); empty where a job is no directory (a Win32 job object).
     */
    default List<Path> jobRoots() {
        return List.of();
    }

    /**
     * Removes the directory of a stale job under {@link #jobRoots()} and every directory below it, deepest first,
     * when none holds a process and none is this process's own or an ancestor of it; with {@code dryRun} only checks.
     *
     * @throws JobException what refused it; nothing was removed
     */
    default void removeStale(Path dir, boolean dryRun) throws java.io.IOException {
        throw new JobException(name() + " jobs are no directories: " + dir);
    }

    /**
     * What the job in {@code dirs} (one job's directories under {@link #jobRoots()}, one per hierarchy) uses now,
     * read from the kernel's files, no JVM asked; {@link JobUsage#NONE} where this backend cannot tell.
     */
    default JobUsage usage(List<Path> dirs) {
        return JobUsage.NONE;
    }

    /**
     * Creates a job. Events are delivered to {@code events} from this backend's event thread; the
     * backend applies {@code spec.limits()} all-or-nothing before returning.
     */
    BackendJob create(JobSpec spec, Consumer<JobEvent> events);
}
