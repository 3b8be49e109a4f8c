package jobgov.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The cgroup hierarchies of this machine as this process sees them: read from /proc/self/mountinfo
 * (where each hierarchy is mounted, its mount root, v1 controllers or v2) and /proc/self/cgroup (this
 * process's cgroup in each). Tells v1, v2 and hybrid (v1 controllers plus a controller-less unified
 * tree) apart. A snapshot: the own cgroups change when the process is moved; call {@link #read()} again
 * or {@link #ownDirs(String)} with a fresh /proc/self/cgroup.
 *
 * <p>Shared by the cgroup1 and cgroup2 backends. {@link #parse} takes the two files' text so tests can
 * describe any layout, including scratch directories laid out like cgroupfs.
 */
public final class CgroupMounts {
    public static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    public static final Path PROC_SELF_CGROUP = Path.of("/proc/self/cgroup");

    /** How the hierarchies are arranged. */
    public enum Mode { NONE, V1, HYBRID, V2 }

    private final List<Hierarchy> hierarchies;

    private CgroupMounts(List<Hierarchy> hierarchies) {
        this.hierarchies = List.copyOf(hierarchies);
    }

    public static CgroupMounts read() {
        try {
            return parse(Files.readString(MOUNTINFO), Files.readString(PROC_SELF_CGROUP));
        } catch (IOException e) {
            return new CgroupMounts(List.of());
        }
    }

    /** Hierarchies from the text of a mountinfo file and a /proc/PID/cgroup file. */
    public static CgroupMounts parse(String mountinfo, String procCgroup) {
        Map<String, String> own = ownPaths(procCgroup);
        List<Hierarchy> found = new ArrayList<>();
        Map<String, Hierarchy> byKey = new LinkedHashMap<>();
        for (String line : mountinfo.split("\n")) {
            String[] f = line.trim().split(" ");
            int dash = List.of(f).indexOf("-");
            if (dash < 0 || f.length < dash + 3) {
                continue;
            }
            String fsType = f[dash + 1];
            if (!fsType.equals("cgroup") && !fsType.equals("cgroup2")) {
                continue;
            }
            String root = unescape(f[3]);
            Path mountPoint = Path.of(unescape(f[4]));
            String key;
            Set<String> controllers = Set.of();
            String name = null;
            if (fsType.equals("cgroup2")) {
                key = "";
            } else {
                List<String> ctl = new ArrayList<>();
                for (String opt : f[dash + 3].split(",")) {
                    if (opt.startsWith("name=")) {
                        name = opt.substring(5);
                    } else if (KNOWN_V1.contains(opt)) {
                        ctl.add(opt);
                    }
                }
                controllers = Set.copyOf(ctl);
                key = name != null ? "name=" + name : String.join(",", new java.util.TreeSet<>(ctl));
            }
            String ownPath = own.get(key);
            Hierarchy h = new Hierarchy(ids(procCgroup).getOrDefault(key, 0), controllers, name, mountPoint, root,
                    fsType.equals("cgroup2"), ownPath);
            Hierarchy seen = byKey.get(key);
            // Several mounts of one hierarchy (bind mounts): keep the one that shows our own cgroup, preferring the root mount.
            if (seen == null || (seen.ownDir() == null && h.ownDir() != null)
                    || (h.ownDir() != null && root.length() < seen.mountRoot().length())) {
                byKey.put(key, h);
            }
        }
        found.addAll(byKey.values());
        return new CgroupMounts(found);
    }

    private static final Set<String> KNOWN_V1 = Set.of("cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "freezer",
            "devices", "net_cls", "net_prio", "perf_event", "hugetlb", "rdma", "misc");

    /** Hierarchy key (sorted controllers, "name=X", or "" for v2) -> this process's cgroup path. */
    private static Map<String, String> ownPaths(String procCgroup) {
        Map<String, String> m = new HashMap<>();
        for (String line : procCgroup.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length == 3) {
                m.put(key(f[1]), f[2]);
            }
        }
        return m;
    }

    private static Map<String, Integer> ids(String procCgroup) {
        Map<String, Integer> m = new HashMap<>();
        for (String line : procCgroup.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length == 3) {
                try {
                    m.put(key(f[1]), Integer.parseInt(f[0]));
                } catch (NumberFormatException ignored) {
                    // not a hierarchy line
                }
            }
        }
        return m;
    }

    private static String key(String controllers) {
        if (controllers.isEmpty() || controllers.startsWith("name=")) {
            return controllers;
        }
        return String.join(",", new java.util.TreeSet<>(List.of(controllers.split(","))));
    }

    private static String unescape(String s) {
        // mountinfo escapes space, tab, newline and backslash as \ooo
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 4 <= s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    public List<Hierarchy> hierarchies() {
        return hierarchies;
    }

    /** The v1 hierarchy carrying {@code controller}. */
    public Optional<Hierarchy> controller(String controller) {
        return hierarchies.stream().filter(h -> !h.unified() && h.has(controller)).findFirst();
    }

    /** The v2 unified tree, if mounted. */
    public Optional<Hierarchy> unified() {
        return hierarchies.stream().filter(Hierarchy::unified).findFirst();
    }

    public Mode mode() {
        boolean v1 = hierarchies.stream().anyMatch(h -> !h.unified() && !h.controllers().isEmpty());
        boolean v2 = unified().isPresent();
        return v1 && v2 ? Mode.HYBRID : v1 ? Mode.V1 : v2 ? Mode.V2 : Mode.NONE;
    }

    /** This process's cgroup directory in every hierarchy, per a /proc/self/cgroup text (re-read it to see moves). */
    public Map<Hierarchy, Path> ownDirs(String procCgroup) {
        Map<String, String> own = ownPaths(procCgroup);
        Map<Hierarchy, Path> dirs = new LinkedHashMap<>();
        for (Hierarchy h : hierarchies) {
            String key = h.unified() ? "" : h.name() != null ? "name=" + h.name() : String.join(",", new java.util.TreeSet<>(h.controllers()));
            Path d = h.dir(own.get(key));
            if (d != null) {
                dirs.put(h, d);
            }
        }
        return dirs;
    }

    /** This process's cgroup directories now (re-reads /proc/self/cgroup). */
    public Map<Hierarchy, Path> ownDirsNow() {
        try {
            return ownDirs(Files.readString(PROC_SELF_CGROUP));
        } catch (IOException e) {
            Map<Hierarchy, Path> dirs = new LinkedHashMap<>();
            hierarchies.stream().filter(h -> h.ownDir() != null).forEach(h -> dirs.put(h, h.ownDir()));
            return dirs;
        }
    }

    /** The hierarchy a directory belongs to (the one whose mount point contains it). */
    public Optional<Hierarchy> hierarchyOf(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        return hierarchies.stream().filter(h -> d.startsWith(h.mountPoint()))
                .max(java.util.Comparator.comparingInt(h -> h.mountPoint().getNameCount()));
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(mode().toString());
        for (Hierarchy h : hierarchies) {
            b.append(' ').append(h.label()).append('=').append(h.mountPoint()).append(h.ownPath() == null ? "" : h.ownPath());
        }
        return b.toString();
    }
}
