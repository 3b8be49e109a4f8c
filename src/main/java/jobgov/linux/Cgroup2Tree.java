package jobgov.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import jobgov.job.JobException;

/**
 * Where cgroup v2 jobs go in one unified hierarchy, and the controller plumbing that puts them there.
 *
 * <p>The rules it follows (Documentation/admin-guide/cgroup-v2.rst): a cgroup only has the controllers its
 * parent lists in {@code cgroup.subtree_control}; a cgroup can only enable what is in its own
 * {@code cgroup.controllers}; and, except at the root, a cgroup that enables controllers for its children
 * cannot hold processes itself ("no internal processes"; a cgroup namespace's root is no exception). So to give a job under PARENT the controllers
 * it needs, the tree
 * <ol>
 *   <li>walks up from PARENT to the nearest cgroup that already has them (the delegated point) and enables
 *       them top-down in each {@code cgroup.subtree_control} on the way back, one controller per write, in
 *       {@link Cgroup2Controller} order; an ancestor that holds processes is not ours to rearrange, so that
 *       is an error telling how to delegate instead;</li>
 *   <li>if PARENT itself holds processes (typically the JVM that governs the job), moves them all into a leaf
 *       {@code PARENT/jobgov-leaf.PID} first (they stay below PARENT, so PARENT's own limits still hold
 *       them), then enables the controllers in PARENT;</li>
 *   <li>creates the job's cgroup in PARENT.</li>
 * </ol>
 * Everything it changed is recorded in the {@link Placement} and undone in reverse when the job closes, as
 * far as other cgroups allow: a controller is only turned off again where no other cgroup lives below, and
 * whichever job under PARENT closes last turns PARENT's controllers off and moves the processes back out
 * of the leaf. Jobs of one JVM are placed one at a time; two JVMs placing jobs in one PARENT at the same
 * moment are not coordinated.
 */
public final class Cgroup2Tree {
    private static final System.Logger LOG = System.getLogger("jobgov.linux");

    /** The leaf a parent's processes move into: {@code jobgov-leaf.PID}, PID of the jobgov process that made it. */
    static final String LEAF_PREFIX = "jobgov-leaf.";

    private final CgroupFs fs;
    private final Path mount;

    public Cgroup2Tree(CgroupFs fs, Path mount) {
        this.fs = fs;
        this.mount = mount;
    }

    public Path mount() {
        return mount;
    }

    public CgroupFs fs() {
        return fs;
    }

    /** The directory of a cgroup path such as {@code /user.slice/app.service} (relative to this mount). */
    public Path dir(String cgroupPath) {
        String rel = cgroupPath.replaceAll("^/+", "");
        Path dir = rel.isEmpty() ? mount : mount.resolve(rel).normalize();
        if (!dir.startsWith(mount)) {
            throw new JobException("cgroup path '" + cgroupPath + "' leaves the cgroup v2 mount " + mount);
        }
        return dir;
    }

    public Set<Cgroup2Controller> controllers(Path cgroup) throws IOException {
        return Cgroup2Controller.parse(fs.read(cgroup.resolve("cgroup.controllers")));
    }

    public Set<Cgroup2Controller> subtreeControl(Path cgroup) throws IOException {
        return Cgroup2Controller.parse(fs.read(cgroup.resolve("cgroup.subtree_control")));
    }

    public List<Long> procs(Path cgroup) throws IOException {
        List<Long> pids = new ArrayList<>();
        for (String line : fs.read(cgroup.resolve("cgroup.procs")).split("\n")) {
            if (!line.isBlank()) {
                pids.add(Long.parseLong(line.trim()));
            }
        }
        return pids;
    }

    /** What placing one job changed, to undo in reverse order on close. */
    public static final class Placement {
        private final Path job;
        private final Deque<Undo> undo;

        Placement(Path job, Deque<Undo> undo) {
            this.job = job;
            this.undo = undo;
        }

        public Path job() {
            return job;
        }
    }

    /** One change to roll back; {@code run} decides itself whether that is still safe. */
    interface Undo {
        void run() throws IOException;
    }

    /**
     * Creates the cgroup {@code parent/name} with {@code needed} enabled for it.
     *
     * @param selfPid names the leaf for processes moved out of {@code parent} (the governing process's pid)
     */
    public Placement place(Path parent, String name, long selfPid, Set<Cgroup2Controller> needed) {
        synchronized (Cgroup2Tree.class) {
            Deque<Undo> undo = new ArrayDeque<>();
            Path job = parent.resolve(name);
            try {
                if (!fs.exists(parent.resolve("cgroup.procs"))) {
                    throw new JobException("parent cgroup " + parent + " does not exist (no cgroup.procs there)");
                }
                if (fs.exists(job)) {
                    throw new JobException("cgroup " + job + " already exists: another job of that name is open, or one was left behind; "
                            + "choose another name or remove it with rmdir once it is empty");
                }
                enableFor(parent, needed, LEAF_PREFIX + selfPid, undo);
                if (children(parent).stream().anyMatch(Cgroup2Tree::isLeaf)) {
                    // Whichever job under PARENT closes last moves the processes back out of the leaf.
                    undo.push(() -> tidy(parent));
                }
                fs.mkdir(job);
                undo.push(() -> fs.rmdir(job));
                return new Placement(job, undo);
            } catch (IOException | RuntimeException e) {
                rollBack(undo);
                if (e instanceof JobException je) {
                    throw je;
                }
                throw new JobException("cannot create cgroup " + job + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Enables more controllers for an existing job (a limit set later may need one it was created
     * without); the changes join the placement's undo list.
     */
    public void enable(Placement placement, Set<Cgroup2Controller> needed, long selfPid) {
        synchronized (Cgroup2Tree.class) {
            Path parent = placement.job.getParent();
            Deque<Undo> more = new ArrayDeque<>();
            try {
                enableFor(parent, needed, LEAF_PREFIX + selfPid, more);
            } catch (IOException | RuntimeException e) {
                rollBack(more);
                throw e instanceof JobException je ? je : new JobException("cannot enable controllers for " + placement.job + ": " + e.getMessage(), e);
            }
            // Undo runs newest first, but the job's own rmdir must still come first: slot these below it.
            Undo rmdirJob = placement.undo.pop();
            while (!more.isEmpty()) {
                placement.undo.push(more.pollLast());
            }
            placement.undo.push(rmdirJob);
        }
    }

    /** Undoes what {@link #place} did; never throws (what cannot be undone is logged). */
    public void remove(Placement placement) {
        synchronized (Cgroup2Tree.class) {
            rollBack(placement.undo);
        }
    }

    private void rollBack(Deque<Undo> undo) {
        while (!undo.isEmpty()) {
            try {
                undo.pop().run();
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cgroup v2 clean-up step failed: " + e);
            }
        }
    }

    /** Makes every controller of {@code needed} available to the children of {@code parent}. */
    private void enableFor(Path parent, Set<Cgroup2Controller> needed, String leafName, Deque<Undo> undo) throws IOException {
        if (needed.isEmpty() || subtreeControl(parent).containsAll(needed)) {
            return;
        }
        // 1. Walk up to the nearest cgroup that has all of them (the delegated point).
        Deque<Path> chain = new ArrayDeque<>();
        chain.push(parent);
        Set<Cgroup2Controller> missing = EnumSet.copyOf(needed);
        missing.removeAll(controllers(parent));
        Path top = parent;
        while (!missing.isEmpty()) {
            if (top.equals(mount)) {
                throw new JobException("controller(s) " + Cgroup2Controller.names(missing) + " missing from " + mount.resolve("cgroup.controllers")
                        + " (has: " + Cgroup2Controller.names(controllers(mount)) + "): the kernel does not offer them in this cgroup v2 tree; "
                        + "they are bound to cgroup v1 hierarchies or disabled (cgroup_no_v1= / cgroup_disable= boot options)");
            }
            top = top.getParent();
            chain.push(top);
            missing.removeAll(controllers(top));
        }
        // 2. Enable top-down; every level above PARENT must be free of processes.
        List<Path> levels = new ArrayList<>(chain);
        for (int i = 0; i < levels.size() - 1; i++) {
            Path level = levels.get(i);
            Set<Cgroup2Controller> want = EnumSet.copyOf(needed);
            want.removeAll(controllers(levels.get(i + 1)));
            if (want.isEmpty()) {
                continue;
            }
            if (!kernelRoot(level) && !procs(level).isEmpty()) {
                throw new JobException("cannot pass controller(s) " + Cgroup2Controller.names(want) + " down to " + parent + ": the ancestor "
                        + level + " holds processes, and cgroup v2 forbids enabling controllers there (no internal processes). "
                        + delegationHint(parent, want));
            }
            enableIn(level, want, parent, levels.get(i + 1), undo);
        }
        // 3. PARENT itself: move its processes into a leaf, then enable.
        Set<Cgroup2Controller> want = EnumSet.copyOf(needed);
        want.removeAll(subtreeControl(parent));
        Path leaf = parent.resolve(leafName);
        if (!kernelRoot(parent) && !procs(parent).isEmpty()) {
            moveToLeaf(parent, leaf, undo);
        }
        enableIn(parent, want, parent, leaf, undo);
    }

    /** @param ours the one child of {@code level} this job relies on (the next level down, or the leaf) */
    private void enableIn(Path level, Set<Cgroup2Controller> want, Path parent, Path ours, Deque<Undo> undo) throws IOException {
        Path control = level.resolve("cgroup.subtree_control");
        for (Cgroup2Controller c : want) {
            try {
                fs.write(control, "+" + c.key());
            } catch (IOException e) {
                throw new JobException("cannot enable controller '" + c.key() + "' in " + control + " (" + e.getMessage() + "). "
                        + delegationHint(parent, EnumSet.of(c)), e);
            }
            undo.push(() -> {
                // Take the controller back only if no other cgroup below this level may rely on it.
                List<Path> children = children(level);
                boolean alone = children.stream().allMatch(ours::equals);
                if (alone && (!fs.exists(ours) || !subtreeControl(ours).contains(c))) {
                    fs.write(control, "-" + c.key());
                } else {
                    LOG.log(System.Logger.Level.DEBUG, "leaving +" + c.key() + " in " + control + ": other cgroups live below it");
                }
            });
        }
    }

    private void moveToLeaf(Path parent, Path leaf, Deque<Undo> undo) throws IOException {
        fs.mkdir(leaf);
        undo.push(() -> tidy(parent));
        // A process may fork while we move; a few passes catch the children born in PARENT meanwhile.
        for (int pass = 0; pass < 5; pass++) {
            List<Long> left = procs(parent);
            if (left.isEmpty()) {
                return;
            }
            for (long pid : left) {
                movePid(leaf, pid);
            }
        }
        if (!procs(parent).isEmpty()) {
            throw new JobException("cannot empty " + parent + " into the leaf " + leaf + ": processes keep appearing there");
        }
    }

    /**
     * When nothing but jobgov leaves is left below {@code parent}: turns its controllers off again (it held
     * processes before, so whatever is enabled there was enabled by jobgov) and moves the processes back.
     */
    private void tidy(Path parent) throws IOException {
        List<Path> children = children(parent);
        if (children.isEmpty() || !children.stream().allMatch(Cgroup2Tree::isLeaf)) {
            return;
        }
        List<Cgroup2Controller> on = new ArrayList<>(subtreeControl(parent));
        for (int i = on.size() - 1; i >= 0; i--) {
            fs.write(parent.resolve("cgroup.subtree_control"), "-" + on.get(i).key());
        }
        for (Path leaf : children) {
            for (long pid : procs(leaf)) {
                movePid(parent, pid);
            }
            fs.rmdir(leaf);
        }
    }

    /**
     * Whether {@code cgroup} is the kernel's root cgroup, the one place where processes and enabled controllers
     * may share a cgroup. The mount point is not always it: inside a cgroup namespace with its own cgroup2
     * mount (a container) the mount shows the namespace's root, an ordinary cgroup. Only the kernel's root
     * lacks {@code cgroup.events}.
     */
    private boolean kernelRoot(Path cgroup) {
        return cgroup.equals(mount) && !fs.exists(cgroup.resolve("cgroup.events"));
    }

    static boolean isLeaf(Path cgroup) {
        return cgroup.getFileName().toString().startsWith(LEAF_PREFIX);
    }

    private void movePid(Path cgroup, long pid) throws IOException {
        try {
            fs.write(cgroup.resolve("cgroup.procs"), Long.toString(pid));
        } catch (IOException e) {
            if (Files.exists(Path.of("/proc", Long.toString(pid)))) {
                throw e;
            }
            // The process exited meanwhile: nothing to move.
        }
    }

    private List<Path> children(Path cgroup) throws IOException {
        try (Stream<Path> s = Files.list(cgroup)) {
            return s.filter(Files::isDirectory).toList();
        }
    }

    static String delegationHint(Path parent, Set<Cgroup2Controller> controllers) {
        return "Delegate " + Cgroup2Controller.names(controllers) + " to " + parent + ": run under a systemd unit with Delegate=yes "
                + "(or Delegate=" + Cgroup2Controller.names(controllers) + "), e.g. `systemd-run --scope -p Delegate=yes ...`, or as root "
                + "write +CONTROLLER into cgroup.subtree_control of each ancestor from the nearest one that has it; "
                + "or give the job a parent cgroup that has them (parent= option)";
    }
}
