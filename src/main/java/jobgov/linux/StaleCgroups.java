package jobgov.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import jobgov.job.JobException;

/**
 * Removing a stale job's cgroup (the {@code prune} command): the whole tree or nothing. Every directory is checked
 * first, against the guard (never this process's own cgroup or an ancestor) and for processes (an occupied one
 * refuses the lot); only then are they removed, deepest first (rmdir).
 */
final class StaleCgroups {
    private StaleCgroups() {
    }

    static void remove(Path dir, boolean dryRun) throws IOException {
        CgroupGuard guard = new CgroupGuard(CgroupMounts.read());
        List<Path> tree = tree(dir);
        for (Path d : tree) {
            guard.check(d, CgroupGuard.Operation.KILL, false);
            int n = CgroupFiles.procs(d).size();
            if (n > 0) {
                throw new JobException(d + " still holds " + n + " process(es): left alone");
            }
        }
        if (!dryRun) {
            for (Path d : tree) {
                Files.delete(d);
            }
        }
    }

    /**
     * The job's directory and every cgroup below it, deepest first (rmdir order). Not {@link CgroupFiles#tree}: that
     * one settles for the top directory when the walk fails; here a failed walk refuses the removal.
     */
    private static List<Path> tree(Path dir) throws IOException {
        List<Path> all = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> Files.isDirectory(p) && !Files.isSymbolicLink(p)).forEach(all::add);
        }
        all.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        return all;
    }
}
