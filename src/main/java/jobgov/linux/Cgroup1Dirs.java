package jobgov.linux;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import jobgov.job.JobException;

/**
 * Where one cgroup v1 job lives: a directory {@code jobgov-NAME.PID} in each hierarchy the backend uses (the v1
 * controllers' and the unified tree where mounted), under a base directory per hierarchy (this process's own
 * cgroup there, a parent cgroup named in the spec, or the parent job's directory). Makes them, answers which
 * directory serves a controller and which processes are in the job, and removes them again, deepest first.
 * The v1 counterpart of {@link Cgroup2Tree}'s placement: v1 needs no controller plumbing, only one directory per
 * hierarchy (and a cpuset that starts with its parent's cpus and mems).
 */
final class Cgroup1Dirs {
    private final CgroupFs fs;
    /** hierarchy -> this job's directory there (creation order). */
    private final Map<Hierarchy, Path> dirs = new LinkedHashMap<>();
    private final Map<Hierarchy, Path> bases = new LinkedHashMap<>();

    /** @param bases hierarchy -> the directory the job's directory goes in (hierarchies without one are skipped) */
    Cgroup1Dirs(CgroupFs fs, Map<Hierarchy, Path> bases, String dirName) {
        this.fs = fs;
        bases.forEach((h, base) -> {
            if (base != null) {
                this.bases.put(h, base);
                this.dirs.put(h, base.resolve(dirName));
            }
        });
    }

    /**
     * Creates every directory (a cpuset gets its parent's cpus and mems: v1 admits no task before). On a failure
     * the ones made so far are removed again.
     */
    void make(String jobName) throws IOException {
        List<Path> made = new ArrayList<>();
        try {
            for (Path d : dirs.values()) {
                try {
                    fs.mkdir(d);
                } catch (FileAlreadyExistsException e) {
                    throw new JobException("a job named '" + jobName + "' already exists in this process (" + d + ")");
                }
                made.add(d);
            }
            Path cpuset = dir("cpuset");
            if (cpuset != null) {
                Path from = cpuset.getParent();
                fs.write(cpuset.resolve("cpuset.mems"), fs.text(from.resolve("cpuset.mems")));
                fs.write(cpuset.resolve("cpuset.cpus"), fs.text(from.resolve("cpuset.cpus")));
            }
        } catch (IOException | RuntimeException e) {
            Collections.reverse(made);
            for (Path d : made) {
                try {
                    fs.rmdir(d);
                } catch (IOException ignored) {
                    // best effort: it was empty a moment ago
                }
            }
            throw e;
        }
    }

    /** The job's directory for a v1 controller (or null when not mounted). */
    Path dir(String controller) {
        for (Map.Entry<Hierarchy, Path> e : dirs.entrySet()) {
            if (!e.getKey().unified() && e.getKey().has(controller)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** The job's directory in the unified tree, or null on a pure v1 host. */
    Path unified() {
        for (Map.Entry<Hierarchy, Path> e : dirs.entrySet()) {
            if (e.getKey().unified()) {
                return e.getValue();
            }
        }
        return null;
    }

    /** The unified {@code cgroup.kill}, where the kernel has one. */
    Path killFile() {
        Path u = unified();
        return u != null && fs.exists(u.resolve("cgroup.kill")) ? u.resolve("cgroup.kill") : null;
    }

    /** The directory whose cgroup.procs says which processes are in the job: pids, else the first. */
    Path tracking() {
        Path p = dir("pids");
        return p != null ? p : dirs.values().iterator().next();
    }

    /** The hierarchy of {@link #tracking()} (its id finds the job in /proc/PID/cgroup). */
    Hierarchy trackingHierarchy() {
        Path t = tracking();
        return dirs.entrySet().stream().filter(e -> e.getValue().equals(t)).findFirst().orElseThrow().getKey();
    }

    /** Every directory of the job, in creation order. */
    List<Path> all() {
        return List.copyOf(dirs.values());
    }

    /** The directories the job's directories were made in. */
    List<Path> bases() {
        return List.copyOf(bases.values());
    }

    /** hierarchy -> directory, for nested jobs made below this one. */
    Map<Hierarchy, Path> byHierarchy() {
        return Collections.unmodifiableMap(dirs);
    }

    /** The parent's cpuset directory (affinity resets to its cpus), or null. */
    Path baseCpuset() {
        return bases.entrySet().stream().filter(e -> e.getKey().has("cpuset")).map(Map.Entry::getValue).findFirst().orElse(null);
    }

    /** The job's processes as the tracking hierarchy lists them (nested jobs included). */
    Set<Long> procs() {
        return fs.procsRecursive(tracking());
    }

    /** Every pid in any of the job's directories (a process half-way through joining is in some, not all). */
    Set<Long> allPids() {
        Set<Long> all = new TreeSet<>();
        for (Path d : dirs.values()) {
            all.addAll(fs.procsRecursive(d));
        }
        return all;
    }

    /** {@code hierarchy=dir ...}: what {@code Job.location()} says. */
    String location() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<Hierarchy, Path> e : dirs.entrySet()) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(e.getKey().label()).append('=').append(e.getValue());
        }
        return b.toString();
    }

    /** Removes every directory and the nested ones below, deepest first, retrying until {@code deadline}; whether all went. */
    boolean remove(long deadline) {
        List<Path> tree = new ArrayList<>();
        for (Path d : dirs.values()) {
            tree.addAll(CgroupFiles.tree(d));
        }
        Collections.reverse(tree); // deepest first
        while (true) {
            boolean all = true;
            for (Path d : tree) {
                try {
                    if (fs.exists(d)) {
                        fs.rmdir(d);
                    }
                } catch (IOException e) {
                    all = false; // EBUSY / not empty: tasks still leaving
                }
            }
            if (all || System.nanoTime() > deadline) {
                return all;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
