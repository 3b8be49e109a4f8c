package jobgov.linux;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/**
 * One mounted cgroup hierarchy: a v1 hierarchy (one or more controllers, or a named one such as
 * {@code name=systemd}) or the v2 unified tree.
 *
 * @param id          the hierarchy id of /proc/self/cgroup (0 for the unified tree)
 * @param controllers the v1 controllers bound to it ({@code memory}, {@code cpu}...); empty for v2 and named hierarchies
 * @param name        the {@code name=} of a named v1 hierarchy, else null
 * @param mountPoint  where it is mounted, e.g. {@code /sys/fs/cgroup/memory}
 * @param mountRoot   the cgroup shown at the mount point ({@code /} unless bind-mounted or in a cgroup namespace)
 * @param ownPath     this process's cgroup in it, as /proc/self/cgroup says, e.g. {@code /process_api/abc}
 */
public record Hierarchy(int id, Set<String> controllers, String name, Path mountPoint, String mountRoot, boolean unified, String ownPath) {
    public Hierarchy {
        controllers = Set.copyOf(controllers);
    }

    // Written out, as the record would generate them: hierarchies are map keys on the agent's premain path, and a
    // record's generated hashCode bootstraps java.lang.runtime.ObjectMethods on first use (~50 ms there).
    @Override
    public boolean equals(Object o) {
        return o instanceof Hierarchy h && id == h.id && unified == h.unified && controllers.equals(h.controllers)
                && Objects.equals(name, h.name) && Objects.equals(mountPoint, h.mountPoint)
                && Objects.equals(mountRoot, h.mountRoot) && Objects.equals(ownPath, h.ownPath);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, controllers, name, mountPoint, mountRoot, unified, ownPath);
    }

    /** The directory of this process's own cgroup. */
    public Path ownDir() {
        return dir(ownPath);
    }

    /**
     * The directory of the cgroup {@code cgroupPath} (a path as in /proc/self/cgroup), or null when that
     * cgroup is not visible under this mount.
     */
    public Path dir(String cgroupPath) {
        if (cgroupPath == null) {
            return null;
        }
        String root = mountRoot.endsWith("/") ? mountRoot : mountRoot + "/";
        String p = cgroupPath.endsWith("/") ? cgroupPath : cgroupPath + "/";
        if (!p.startsWith(root)) {
            return null;
        }
        String rel = p.substring(root.length());
        Path dir = rel.isEmpty() ? mountPoint : mountPoint.resolve(rel.substring(0, rel.length() - 1)).normalize();
        return dir.startsWith(mountPoint) ? dir : null; // a '..' never leads out of the hierarchy
    }

    /**
     * The existing directory of the cgroup {@code cgroupPath}, resolved only inside this hierarchy: null when it
     * does not exist, is no directory, or leads (through '..' or a symlink) outside the mount.
     */
    public Path containedDir(String cgroupPath) {
        Path d = dir(cgroupPath);
        if (d == null || !java.nio.file.Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try {
            return d.toRealPath().startsWith(mountPoint.toRealPath()) ? d : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** A short label: {@code memory}, {@code cpu,cpuacct}, {@code name=systemd} or {@code unified}. */
    public String label() {
        if (unified) {
            return "unified";
        }
        if (name != null) {
            return "name=" + name;
        }
        return String.join(",", new java.util.TreeSet<>(controllers));
    }

    public boolean has(String controller) {
        return controllers.contains(controller);
    }
}
