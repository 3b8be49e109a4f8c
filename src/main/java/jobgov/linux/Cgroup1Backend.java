package jobgov.linux;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import jobgov.job.BackendJob;
import jobgov.job.JobEvent;
import jobgov.job.JobSpec;
import jobgov.job.Limit;

/**
 * Jobs as cgroup v1 directories (memory, pids, cpu, cpuacct, cpuset, blkio, freezer), plus the v2 unified
 * tree where it is mounted (hybrid hosts: cgroup.kill, cgroup.events, cpu.stat). Usable when this process
 * can create cgroups under its own cgroup in the v1 memory and pids hierarchies (root, or a delegated tree).
 * Ranks below cgroup2: on a host with both, the unified hierarchy with controllers is the better tool.
 */
public final class Cgroup1Backend implements CgroupBackend {
    /** The v1 controllers a job gets a directory in (when mounted). */
    static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu", "cpuacct", "cpuset", "blkio", "freezer");

    private final CgroupFs fs;
    private final Supplier<Map<Hierarchy, Path>> ownDirs;
    private volatile CgroupMounts mounts;
    private volatile Map<Hierarchy, Path> home;
    private volatile CgroupGuard guard;

    public Cgroup1Backend() {
        this.fs = CgroupFs.KERNEL;
        this.ownDirs = null;
    }

    /**
     * A backend over given mounts and files (a scratch tree in tests).
     *
     * @param ownDirs this process's cgroup directories now (the jobs' default place, and what the guard protects)
     * @param home    where the watchdogs go (outside every job)
     */
    Cgroup1Backend(CgroupMounts mounts, CgroupFs fs, Supplier<Map<Hierarchy, Path>> ownDirs, Map<Hierarchy, Path> home) {
        this.mounts = mounts;
        this.fs = fs;
        this.ownDirs = ownDirs;
        this.home = new java.util.LinkedHashMap<>(home);
    }

    @Override
    public String name() {
        return "cgroup1";
    }

    @Override
    public int priority() {
        return 20;
    }

    @Override
    public Optional<String> unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return Optional.of("not Linux");
        }
        CgroupMounts m = mounts();
        for (String c : List.of("memory", "pids")) {
            if (m.controller(c).isEmpty()) {
                return Optional.of("no cgroup v1 '" + c + "' hierarchy mounted (" + m.mode()
                        + "); on a unified (v2) host the cgroup2 backend is the one to use");
            }
        }
        for (Hierarchy h : hierarchies()) {
            Path own = home().get(h);
            if (own == null) {
                return Optional.of("this process's cgroup in the " + h.label() + " hierarchy is not visible under " + h.mountPoint());
            }
            if (!Files.isWritable(own)) {
                return Optional.of("cannot create cgroups in " + own + " (run as root, or delegate that cgroup to user "
                        + System.getProperty("user.name") + ")");
            }
        }
        // libc (JNA) is not probed here: loading it costs the agent's premain ~50-800 ms. Without it a job
        // still works: its event thread checks every tick, and per-process limits are refused on first use.
        return Optional.empty();
    }

    @Override
    public Set<Limit> capabilities() {
        CgroupMounts m = mounts();
        EnumSet<Limit> s = EnumSet.of(Limit.JOB_MEMORY, Limit.PROCESS_MEMORY, Limit.ACTIVE_PROCESSES, Limit.PROCESS_TIME,
                Limit.KILL_ON_CLOSE, Limit.MEMORY_NOTIFICATION);
        if (m.controller("cpu").isPresent()) {
            s.add(Limit.CPU_RATE);
            s.add(Limit.CPU_WEIGHT);
        }
        if (m.controller("cpuset").isPresent()) {
            s.add(Limit.AFFINITY);
        }
        if (m.controller("cpuacct").isPresent() || m.unified().isPresent()) {
            s.add(Limit.JOB_TIME);
            s.add(Limit.JOB_TIME_NOTIFICATION);
        }
        if (m.controller("blkio").isPresent()) {
            s.add(Limit.IO_RATE);
            s.add(Limit.IO_NOTIFICATION);
        }
        return s;
    }

    @Override
    public String refusalReason(Limit limit) {
        return switch (limit) {
            case WORKING_SET -> "cgroup v1 has no minimum-memory guarantee (memory.low is cgroup v2 only) and "
                    + "memory.soft_limit_in_bytes is only a reclaim hint; use memory= for a hard job limit, or a cgroup v2 host";
            case CPU_MIN_MAX -> "cgroup v1 cannot reserve a minimum CPU rate; use cpu= (hard cap, cpu.cfs_quota_us) or cpu-weight=";
            case PRIORITY_CLASS -> "a priority class is a per-process nice value that processes may change themselves; "
                    + "use cpu-weight= (cpu.shares) for the job's share of the CPU";
            case SCHEDULING_CLASS -> "Windows scheduling classes have no Linux counterpart; use cpu-weight= (cpu.shares)";
            case DIE_ON_UNHANDLED_EXCEPTION -> "Windows error-reporting behaviour; Linux has no such dialog to suppress";
            case BREAKAWAY -> "a Linux process cannot be allowed to leave a cgroup by the job: any process with "
                    + "write access to cgroup.procs elsewhere can move itself";
            case UI_RESTRICTIONS -> "Windows desktop (USER object) restrictions have no Linux counterpart";
            case NET_RATE -> "network rate and DSCP need tc/net_cls setup outside cgroup v1 limits; not implemented";
            case CPU_RATE, CPU_WEIGHT -> "the cgroup v1 cpu controller is not mounted";
            case AFFINITY -> "the cgroup v1 cpuset controller is not mounted";
            case JOB_TIME, JOB_TIME_NOTIFICATION -> "neither the cgroup v1 cpuacct controller nor the unified tree's cpu.stat is available";
            case IO_RATE, IO_NOTIFICATION -> "the cgroup v1 blkio controller is not mounted";
            default -> "not supported by the cgroup1 backend";
        };
    }

    @Override
    public BackendJob create(JobSpec spec, Consumer<JobEvent> events) {
        return new Cgroup1Job(this, spec, null, events);
    }

    /** The mounted hierarchies (read once). */
    CgroupMounts mounts() {
        CgroupMounts m = mounts;
        if (m == null) {
            mounts = m = CgroupMounts.read();
        }
        return m;
    }

    CgroupFs fs() {
        return fs;
    }

    /** This process's cgroup directories now (re-read at each call). */
    Map<Hierarchy, Path> ownDirsNow() {
        return ownDirs != null ? ownDirs.get() : mounts().ownDirsNow();
    }

    /** The safety catch for every kill, freeze and limit write of this backend's jobs. */
    CgroupGuard guard() {
        CgroupGuard g = guard;
        if (g == null) {
            guard = g = new CgroupGuard(mounts(), () -> ownDirsNow().values());
        }
        return g;
    }

    /** This process's cgroups when the backend was first used: the watchdogs' place, outside every job. */
    Map<Hierarchy, Path> home() {
        Map<Hierarchy, Path> h = home;
        if (h == null) {
            synchronized (this) {
                if (home == null) {
                    home = ownDirsNow();
                }
                h = home;
            }
        }
        return h;
    }

    /** The hierarchies a job makes a directory in: each v1 hierarchy carrying one of {@link #CONTROLLERS}, and the unified tree. */
    List<Hierarchy> hierarchies() {
        List<Hierarchy> out = new ArrayList<>();
        for (Hierarchy h : mounts().hierarchies()) {
            if (h.unified() || CONTROLLERS.stream().anyMatch(h::has)) {
                out.add(h);
            }
        }
        return out;
    }

    /** The machine's online CPUs (see {@link OnlineCpus}). */
    static int machineCpus() {
        return OnlineCpus.count();
    }
}
