package jobgov.linux;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import jobgov.job.BackendJob;
import jobgov.job.JobEvent;
import jobgov.job.JobException;
import jobgov.job.JobSpec;
import jobgov.job.Limit;

/**
 * Jobs as cgroups of the v2 unified hierarchy: modern systemd hosts (a delegated subtree, {@code Delegate=yes})
 * and containers with a cgroup namespace. Usable when the unified hierarchy is the only one mounted, or
 * carries the memory and pids controllers itself, and this process can create a child of its own cgroup
 * there. Ranks above cgroup1. On hybrid hosts (v1 controllers plus a controller-less unified tree, as on
 * these build machines) it steps aside for cgroup1.
 */
public final class Cgroup2Backend implements CgroupBackend {
    /** The controllers without which the unified tree is no place for jobs. */
    static final Set<Cgroup2Controller> ESSENTIAL = EnumSet.of(Cgroup2Controller.MEMORY, Cgroup2Controller.PIDS);

    private final CgroupMounts mounts;
    private final CgroupFs fs;
    private final Supplier<Path> ownDir;
    private volatile Cgroup2Tree tree;
    private volatile CgroupGuard guard;

    public Cgroup2Backend() {
        this(CgroupMounts.read(), CgroupFs.KERNEL, null);
    }

    /**
     * A backend over given mounts and files (a scratch tree in tests).
     *
     * @param ownDir this process's unified cgroup directory now; null: from /proc/self/cgroup at each call
     */
    Cgroup2Backend(CgroupMounts mounts, CgroupFs fs, Supplier<Path> ownDir) {
        this.mounts = mounts;
        this.fs = fs;
        this.ownDir = ownDir != null ? ownDir : () -> mounts.unified().map(h -> mounts.ownDirsNow().get(h)).orElse(null);
    }

    @Override
    public String name() {
        return "cgroup2";
    }

    @Override
    public int priority() {
        return 30;
    }

    @Override
    public Optional<String> unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return Optional.of("not Linux");
        }
        Optional<Hierarchy> unified = mounts.unified();
        if (unified.isEmpty()) {
            return Optional.of("no cgroup v2 (unified) hierarchy mounted (" + mounts.mode() + "); use cgroup1");
        }
        Path mount = unified.get().mountPoint();
        Set<Cgroup2Controller> offered = offered();
        if (mounts.mode() == CgroupMounts.Mode.HYBRID && !offered.containsAll(ESSENTIAL)) {
            String has = read(mount.resolve("cgroup.controllers")).orElse("?").strip();
            return Optional.of("hybrid hierarchy: the unified tree at " + mount + (Cgroup2Controller.parse(has).isEmpty()
                    ? " has no controllers jobgov uses" : " lacks memory or pids") + " (its cgroup.controllers: " + (has.isEmpty() ? "none" : has)
                    + "); they are bound to cgroup v1 hierarchies; use cgroup1");
        }
        Path own = ownDir();
        if (own == null) {
            if (unified.get().mountRoot().startsWith("/..")) {
                return Optional.of("this process is in a cgroup namespace (/proc/self/cgroup says " + unified.get().ownPath() + ") but the cgroup v2 mount at "
                        + mount + " is the one from outside it (its root shows as " + unified.get().mountRoot() + "), so jobgov cannot find its own cgroup "
                        + "there: mount cgroup2 inside the namespace, as container runtimes do (by hand: unshare -Cm, then umount " + mount
                        + " && mount -t cgroup2 cgroup2 " + mount + "), or run jobgov outside the namespace");
            }
            return Optional.of("this process's cgroup (" + unified.get().ownPath() + ") is not visible under " + mount
                    + " (mount root " + unified.get().mountRoot() + ")");
        }
        Path probe = own.resolve("jobgov-probe." + ProcessHandle.current().pid());
        try {
            fs.mkdir(probe);
            fs.rmdir(probe);
        } catch (IOException e) {
            return Optional.of("cannot create a cgroup under this process's own cgroup " + own + " (" + e.getMessage() + "): run as root, "
                    + "or in a systemd unit or scope with Delegate=yes, or give a delegated parent cgroup");
        }
        // libc (JNA) is not probed here: loading it costs the agent's premain ~50-800 ms. Without it a job
        // still works: its event thread checks every tick, and per-process limits are refused on first use.
        return Optional.empty();
    }

    @Override
    public Set<Limit> capabilities() {
        Set<Cgroup2Controller> offered = offered();
        EnumSet<Limit> s = EnumSet.of(Limit.PROCESS_MEMORY, Limit.PROCESS_TIME, Limit.JOB_TIME, Limit.JOB_TIME_NOTIFICATION, Limit.KILL_ON_CLOSE);
        if (offered.contains(Cgroup2Controller.MEMORY)) {
            s.addAll(EnumSet.of(Limit.JOB_MEMORY, Limit.WORKING_SET, Limit.MEMORY_NOTIFICATION));
        }
        if (offered.contains(Cgroup2Controller.PIDS)) {
            s.add(Limit.ACTIVE_PROCESSES);
        }
        if (offered.contains(Cgroup2Controller.CPU)) {
            s.addAll(EnumSet.of(Limit.CPU_RATE, Limit.CPU_WEIGHT));
        }
        if (offered.contains(Cgroup2Controller.CPUSET)) {
            s.add(Limit.AFFINITY);
        }
        if (offered.contains(Cgroup2Controller.IO)) {
            s.addAll(EnumSet.of(Limit.IO_RATE, Limit.IO_NOTIFICATION));
        }
        return s;
    }

    @Override
    public String refusalReason(Limit limit) {
        return switch (limit) {
            case CPU_MIN_MAX -> "cgroup v2 cannot reserve a minimum CPU rate (cpu.weight is relative, cpu.max only caps); "
                    + "use cpu= (hard cap, cpu.max) or cpu-weight= (cpu.weight)";
            case PRIORITY_CLASS -> "a priority class is a per-process nice value that processes may change themselves; "
                    + "use cpu-weight= (cpu.weight) for the job's share of the CPU";
            case SCHEDULING_CLASS -> "Windows scheduling classes have no Linux counterpart; use cpu-weight= (cpu.weight)";
            case DIE_ON_UNHANDLED_EXCEPTION -> "Windows error-reporting behaviour; Linux has no such dialog to suppress";
            case BREAKAWAY -> "a cgroup cannot let chosen processes leave: any process with write access to another "
                    + "cgroup.procs can move itself, and the job cannot grant or deny that";
            case UI_RESTRICTIONS -> "Windows desktop (USER object) restrictions have no Linux counterpart";
            case NET_RATE -> "cgroup v2 has no network controller; rate and DSCP need tc or eBPF outside the cgroup; not implemented";
            case JOB_MEMORY, WORKING_SET, MEMORY_NOTIFICATION, ACTIVE_PROCESSES, CPU_RATE, CPU_WEIGHT, AFFINITY, IO_RATE, IO_NOTIFICATION ->
                    "the cgroup v2 '" + controllerOf(limit) + "' controller is not in " + mountPath("cgroup.controllers")
                    + " (the kernel offers: " + Cgroup2Controller.names(offered()) + "); on a hybrid host use cgroup1";
            default -> "not supported by the cgroup2 backend";
        };
    }

    private static String controllerOf(Limit limit) {
        return switch (limit) {
            case JOB_MEMORY, WORKING_SET, MEMORY_NOTIFICATION -> "memory";
            case ACTIVE_PROCESSES -> "pids";
            case CPU_RATE, CPU_WEIGHT -> "cpu";
            case AFFINITY -> "cpuset";
            default -> "io";
        };
    }

    @Override
    public BackendJob create(JobSpec spec, Consumer<JobEvent> events) {
        Path parent;
        if (spec.parent() != null) {
            Hierarchy h = mounts.unified().orElseThrow(() -> new JobException("no cgroup v2 (unified) hierarchy mounted"));
            parent = h.dir(spec.parent().startsWith("/") ? spec.parent() : "/" + spec.parent());
            if (parent == null || !fs.exists(parent.resolve("cgroup.procs"))) {
                throw new JobException("parent cgroup " + spec.parent() + " does not exist in the unified hierarchy"
                        + (parent == null ? " (not under " + h.mountPoint() + ")" : " (" + parent + ")"));
            }
        } else {
            parent = ownDir();
            if (parent == null) {
                throw new JobException("this process's cgroup is not visible in the unified hierarchy: " + unavailableReason().orElse("?"));
            }
        }
        return new Cgroup2Job(this, parent, spec, false, events);
    }

    /** The controllers the mount's root offers (what any delegation can pass down). */
    Set<Cgroup2Controller> offered() {
        return mounts.unified().flatMap(h -> read(h.mountPoint().resolve("cgroup.controllers")))
                .map(Cgroup2Controller::parse).orElse(EnumSet.noneOf(Cgroup2Controller.class));
    }

    /** This process's cgroup directory in the unified hierarchy now (re-read: the tree may have moved it into a leaf). */
    Path ownDir() {
        return ownDir.get();
    }

    Cgroup2Tree tree() {
        Cgroup2Tree t = tree;
        if (t == null) {
            Hierarchy h = mounts.unified().orElseThrow(() -> new JobException("no cgroup v2 (unified) hierarchy mounted"));
            tree = t = new Cgroup2Tree(fs, h.mountPoint());
        }
        return t;
    }

    CgroupGuard guard() {
        CgroupGuard g = guard;
        if (g == null) {
            guard = g = new CgroupGuard(mounts, () -> {
                Path own = ownDir();
                return own == null ? java.util.List.of() : java.util.List.of(own);
            });
        }
        return g;
    }

    private String mountPath(String file) {
        return mounts.unified().map(h -> h.mountPoint().resolve(file).toString()).orElse(file);
    }

    private Optional<String> read(Path file) {
        try {
            return Optional.of(fs.read(file));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
