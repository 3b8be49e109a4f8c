package jobgov.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import jobgov.job.JobBackend;
import jobgov.job.JobUsage;
import jobgov.job.Jobs;

/**
 * Jobs found through their cgroups: directories named {@code jobgov-NAME.PID} (PID = the governing
 * process) in any mounted cgroup hierarchy, whoever made them. Nested jobs inside a job are not listed.
 */
final class JobCgroups {
    /**
     * One job's cgroup directories (one per hierarchy), the processes they hold now, and the backend whose job roots
     * hold them (it reads their usage); null when no backend claims them any more.
     */
    record JobCgroup(String name, long pid, List<Path> dirs, int processes, JobBackend backend) {
    }

    private static final Pattern DIR = Pattern.compile("jobgov-(.+)\\.(\\d+)");
    private static final int MAX_DEPTH = 12;

    private JobCgroups() {
    }

    static List<JobCgroup> scan() {
        Map<Path, JobBackend> roots = roots();
        Map<String, List<Path>> byDir = new LinkedHashMap<>();
        for (Path mount : roots.keySet()) {
            walk(mount, 0, byDir);
        }
        List<JobCgroup> jobs = new ArrayList<>();
        for (Map.Entry<String, List<Path>> e : byDir.entrySet()) {
            Matcher m = DIR.matcher(e.getKey());
            if (!m.matches() || m.group(1).startsWith("leaf")) {
                continue; // cgroup2's jobgov-leaf.PID holds a parent's own processes, it is no job
            }
            int procs = 0;
            for (Path d : e.getValue()) {
                procs = Math.max(procs, count(d.resolve("cgroup.procs")));
            }
            jobs.add(new JobCgroup(m.group(1), Long.parseLong(m.group(2)), e.getValue(), procs, ownerOf(roots, e.getValue().get(0))));
        }
        return jobs;
    }

    /** The jobs named {@code name} (normally one; a stale one of an earlier owner may be among them). */
    static List<JobCgroup> named(String name) {
        return scan().stream().filter(c -> c.name().equals(name)).toList();
    }

    private static void walk(Path dir, int depth, Map<String, List<Path>> out) {
        if (depth > MAX_DEPTH) {
            return;
        }
        try (Stream<Path> children = Files.list(dir)) {
            for (Path c : (Iterable<Path>) children::iterator) {
                if (!Files.isDirectory(c) || Files.isSymbolicLink(c)) {
                    continue;
                }
                String n = c.getFileName().toString();
                if (n.startsWith("jobgov-")) {
                    out.computeIfAbsent(n, k -> new ArrayList<>()).add(c);
                } else {
                    walk(c, depth + 1, out);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unreadable or removed meanwhile: nothing of ours to show there
        }
    }

    /** What {@code job} uses now, as the backend that made its directories reads it; nothing known without one. */
    static JobUsage usage(JobCgroup job) {
        try {
            return job.backend() == null ? JobUsage.NONE : job.backend().usage(job.dirs());
        } catch (RuntimeException e) {
            return JobUsage.NONE;
        }
    }

    /** The backend whose job roots hold {@code dir} (it removes what it made); a JobException when none does. */
    static JobBackend backendOf(Path dir) {
        JobBackend b = ownerOf(roots(), dir);
        if (b == null) {
            throw new jobgov.job.JobException("no backend has its jobs under " + dir);
        }
        return b;
    }

    /**
     * The cgroup hierarchies' mount points, as the backends read them (each backend knows its platform's mounts), each
     * with the first backend, in priority order, that claims it.
     */
    private static Map<Path, JobBackend> roots() {
        Map<Path, JobBackend> out = new LinkedHashMap<>();
        for (JobBackend b : Jobs.backends()) {
            try {
                for (Path root : b.jobRoots()) {
                    out.putIfAbsent(root, b);
                }
            } catch (RuntimeException e) {
                // a backend that cannot read its mounts here has no jobs to show
            }
        }
        return out;
    }

    private static JobBackend ownerOf(Map<Path, JobBackend> roots, Path dir) {
        for (Map.Entry<Path, JobBackend> r : roots.entrySet()) {
            if (dir.startsWith(r.getKey())) {
                return r.getValue();
            }
        }
        return null;
    }

    private static int count(Path procs) {
        try (Stream<String> lines = Files.lines(procs)) {
            return (int) lines.filter(l -> !l.isBlank()).count();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
