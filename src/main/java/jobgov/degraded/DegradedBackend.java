package jobgov.degraded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import jobgov.job.BackendJob;
import jobgov.job.JobBackend;
import jobgov.job.JobEvent;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;
import jobgov.job.Limit;
import jobgov.job.ProcessControl;
import jobgov.job.ProcessInfo;

/**
 * The backend of last resort: no kernel job at all. Processes are tracked with {@link ProcessHandle}
 * (the ones the job started or was given, and their descendants), killed best-effort, and every limit
 * is refused, because nothing here could make the kernel enforce it. Kill-on-close is kept, best-effort.
 *
 * <p>Best-effort means: a process that double-forks is reparented to init (or a subreaper) and is no
 * longer anyone's descendant, so it escapes tracking and termination. Measured on these machines: of a
 * 400-process tree whose half was double-forked, 200 survived a descendant-walk kill; a cgroup kill left 0.
 */
public final class DegradedBackend implements JobBackend {
    public static final String NAME = "degraded";
    /** Process facts and pinned signals from the platform (a degraded job on Linux is still Linux), found once. */
    static final ProcessControl OS = ProcessControl.platform();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return Integer.MIN_VALUE;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    /**
     * Only kill-on-close, and that best-effort: the tree is killed when the job closes (normal exit,
     * SIGTERM, Ctrl-C), but nothing outside the governing JVM does it when that JVM is SIGKILLed.
     */
    /** From the platform's process facts (on Linux /proc: the command line as the process wrote its argv, not the JDK's resolved executable path). */
    @Override
    public Optional<ProcessInfo> process(long pid) {
        return OS.process(pid);
    }

    @Override
    public Set<Limit> capabilities() {
        return Set.of(Limit.KILL_ON_CLOSE);
    }

    @Override
    public String refusalReason(Limit limit) {
        return "jobgov runs degraded, tracking processes without a kernel job (" + whyDegraded()
                + "), so nothing could enforce it. To fix: " + fix();
    }

    private static String fix() {
        if (NAME.equals(wanted())) {
            return "do not choose the degraded backend (jobgov.backend / JOBGOV_BACKEND)";
        }
        String namedParent = "name a writable parent cgroup (--cgroup PATH / agent option cgroup=PATH)";
        if (!"0".equals(uid())) {
            return "run as root, delegate a cgroup subtree to this user (e.g. systemd-run --user --scope -p Delegate=yes ...), or "
                    + namedParent;
        }
        return "make a kernel backend usable (see why above), or " + namedParent;
    }

    private static String wanted() {
        return Optional.ofNullable(System.getProperty("jobgov.backend")).orElse(System.getenv("JOBGOV_BACKEND"));
    }

    @Override
    public BackendJob create(JobSpec spec, Consumer<JobEvent> events) {
        return new DegradedJob(spec, events, null);
    }

    /** A short diagnosis: chosen by name, or why each kernel backend cannot be used, and whether this is root. */
    static String whyDegraded() {
        if (NAME.equals(wanted())) {
            return "chosen with jobgov.backend=" + NAME;
        }
        String uid = uid();
        StringBuilder why = new StringBuilder("0".equals(uid) ? "running as root" : "running as uid " + uid + ", not root");
        List<JobBackend> others = Jobs.backends().stream().filter(b -> !b.name().equals(NAME) && b.forThisOperatingSystem()).toList();
        if (others.isEmpty()) {
            why.append("; no kernel backend (cgroup1, cgroup2, windows) is installed in this build");
        }
        for (JobBackend b : others) {
            why.append("; ").append(b.name()).append(": ")
                    .append(b.unavailableReason().orElse("usable, but not chosen"));
        }
        if (!Files.isDirectory(Path.of("/sys/fs/cgroup")) && !System.getProperty("os.name", "").startsWith("Windows")) {
            why.append("; no cgroup file system at /sys/fs/cgroup");
        }
        return why.toString();
    }

    /** The effective uid, else the user name. */
    private static String uid() {
        int uid = OS.ownUid();
        return uid >= 0 ? Integer.toString(uid) : System.getProperty("user.name");
    }
}
