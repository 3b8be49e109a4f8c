package jobgov.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import jobgov.job.CpuSet;

/**
 * A directory laid out like a hybrid host's cgroup mounts (these build machines): one v1 hierarchy per
 * controller group ({@code memory}, {@code pids}, {@code cpu,cpuacct}, {@code cpuset}, {@code blkio},
 * {@code freezer}) and the controller-less unified tree, each under {@code root}. It stands in for the kernel only
 * where a plain directory cannot: {@code mkdir} creates the hierarchy's interface files with the kernel's
 * defaults; {@code cgroup.procs} moves a pid within its hierarchy; {@code memory.limit_in_bytes} may not exceed
 * {@code memory.memsw.limit_in_bytes} (and memsw may not go below it); {@code cpuset.cpus} must lie within the
 * parent's; number files reject what is not a number; {@code rmdir} refuses a cgroup with children or processes.
 * Every write is journaled so tests can check order and syntax. Tests play the kernel's part in events by
 * writing counters with {@link #put}.
 */
final class ScratchCgroup1fs implements CgroupFs {
    /** The hierarchies: directory name under root -> (id, controllers as mountinfo's super options). */
    static final Map<String, String> HIERARCHIES = new LinkedHashMap<>();

    static {
        HIERARCHIES.put("memory", "memory");
        HIERARCHIES.put("pids", "pids");
        HIERARCHIES.put("cpu,cpuacct", "cpu,cpuacct");
        HIERARCHIES.put("cpuset", "cpuset");
        HIERARCHIES.put("blkio", "blkio");
        HIERARCHIES.put("freezer", "freezer");
        HIERARCHIES.put("unified", "");
    }

    final Path root;
    final List<String> journal = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Every file read through the seam, by its path below root, from the thread named in {@link #readsBy}. */
    final List<String> reads = java.util.Collections.synchronizedList(new ArrayList<>());
    volatile Thread readsBy;

    /** Hierarchy roots under {@code root}, this process's own cgroup {@code /} in each, the machine's cpus {@code cpus}. */
    ScratchCgroup1fs(Path root, String cpus) throws IOException {
        this.root = root;
        for (String h : HIERARCHIES.keySet()) {
            Path top = Files.createDirectories(root.resolve(h));
            files(top);
            if (h.equals("cpuset")) {
                put(top, "cpuset.cpus", cpus + "\n");
                put(top, "cpuset.mems", "0\n");
            }
        }
    }

    /** The mountinfo lines of the scratch hierarchies. */
    String mountinfo() {
        StringBuilder b = new StringBuilder();
        int id = 30;
        for (Map.Entry<String, String> e : HIERARCHIES.entrySet()) {
            Path mp = root.resolve(e.getKey());
            if (e.getValue().isEmpty()) {
                b.append(id++).append(" 23 0:").append(id).append(" / ").append(mp).append(" rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
            } else {
                b.append(id++).append(" 23 0:").append(id).append(" / ").append(mp).append(" rw,nosuid - cgroup cgroup rw,")
                        .append(e.getValue()).append('\n');
            }
        }
        return b.toString();
    }

    /** A /proc/self/cgroup text placing this process at {@code path} in every hierarchy. */
    static String procSelfCgroup(String path) {
        StringBuilder b = new StringBuilder();
        int id = 1;
        for (String c : HIERARCHIES.values()) {
            b.append(c.isEmpty() ? 0 : id++).append(':').append(c).append(':').append(path).append('\n');
        }
        return b.toString();
    }

    Path hierarchy(String name) {
        return root.resolve(name);
    }

    /** Creates the cgroup {@code path} in every hierarchy directly (the scene, not journaled). */
    void cgroup(String path) throws IOException {
        for (String h : HIERARCHIES.keySet()) {
            Path dir = root.resolve(h);
            for (String part : path.replaceAll("^/+", "").split("/")) {
                if (part.isEmpty()) {
                    continue;
                }
                dir = dir.resolve(part);
                if (!Files.exists(dir)) {
                    Files.createDirectory(dir);
                    files(dir);
                    if (h.equals("cpuset")) { // a scene cgroup that holds processes has its parent's cpus and mems
                        put(dir, "cpuset.cpus", get(dir.getParent(), "cpuset.cpus"));
                        put(dir, "cpuset.mems", get(dir.getParent(), "cpuset.mems"));
                    }
                }
            }
        }
    }

    String get(Path dir, String file) throws IOException {
        return Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
    }

    void put(Path dir, String file, String content) throws IOException {
        Files.writeString(dir.resolve(file), content, StandardCharsets.UTF_8);
    }

    @Override
    public String read(Path file) throws IOException {
        if (Thread.currentThread() == readsBy) {
            reads.add(root.relativize(file).toString());
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    @Override
    public void write(Path file, String value) throws IOException {
        journal.add(root.relativize(file) + " <- " + value);
        Path dir = file.getParent();
        String name = file.getFileName().toString();
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": No such file or directory");
        }
        String v = value.trim();
        switch (name) {
            case "cgroup.procs" -> {
                long pid = Long.parseLong(v);
                removeFromHierarchy(dir, pid);
                put(dir, name, get(dir, name) + pid + "\n");
            }
            case "memory.limit_in_bytes" -> {
                long limit = number(v, file);
                if (Files.exists(dir.resolve("memory.memsw.limit_in_bytes")) && limit(limit) > limit(Long.parseLong(get(dir, "memory.memsw.limit_in_bytes").trim()))) {
                    throw new IOException("Invalid argument");
                }
                put(dir, name, v + "\n");
            }
            case "memory.memsw.limit_in_bytes" -> {
                long memsw = number(v, file);
                if (limit(memsw) < limit(Long.parseLong(get(dir, "memory.limit_in_bytes").trim()))) {
                    throw new IOException("Invalid argument");
                }
                put(dir, name, v + "\n");
            }
            case "pids.max" -> {
                if (!v.equals("max")) {
                    number(v, file);
                }
                put(dir, name, v + "\n");
            }
            case "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.shares" -> {
                number(v, file);
                put(dir, name, v + "\n");
            }
            case "cpuset.cpus", "cpuset.mems" -> {
                if (!v.isEmpty()) {
                    BitSet asked = CpuSet.parse(v).cpus();
                    String parent = get(dir.getParent(), name).trim();
                    asked.andNot(parent.isEmpty() ? new BitSet() : CpuSet.parse(parent).cpus());
                    if (!asked.isEmpty()) {
                        throw new IOException("Invalid argument");
                    }
                }
                put(dir, name, v + "\n");
            }
            case "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
                 "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device" -> {
                String[] f = v.split("\\s+");
                if (f.length != 2 || !f[0].matches("\\d+:\\d+")) {
                    throw new IOException("Invalid argument");
                }
                number(f[1], file);
                Map<String, String> lines = new LinkedHashMap<>();
                get(dir, name).lines().filter(l -> !l.isBlank()).forEach(l -> lines.put(l.split(" ")[0], l));
                if (f[1].equals("0")) {
                    lines.remove(f[0]);
                } else {
                    lines.put(f[0], v);
                }
                put(dir, name, lines.values().stream().map(l -> l + "\n").reduce("", String::concat));
            }
            case "freezer.state" -> {
                if (!v.equals("FROZEN") && !v.equals("THAWED")) {
                    throw new IOException("Invalid argument");
                }
                put(dir, name, v + "\n");
            }
            default -> put(dir, name, value);
        }
    }

    @Override
    public void mkdir(Path dir) throws IOException {
        if (Files.exists(dir)) {
            throw new FileAlreadyExistsException(dir.toString());
        }
        Files.createDirectory(dir);
        files(dir);
    }

    @Override
    public void rmdir(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            if (s.anyMatch(Files::isDirectory)) {
                throw new IOException(dir + ": Device or resource busy");
            }
        }
        if (!get(dir, "cgroup.procs").isBlank()) {
            throw new IOException(dir + ": Device or resource busy");
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    /** The interface files of a new cgroup of the hierarchy {@code dir} is in, with the kernel's defaults. */
    private void files(Path dir) throws IOException {
        String h = root.relativize(dir).getName(0).toString();
        Map<String, String> f = new LinkedHashMap<>();
        f.put("cgroup.procs", "");
        switch (h) {
            case "memory" -> {
                f.put("memory.limit_in_bytes", "9223372036854771712\n");
                f.put("memory.memsw.limit_in_bytes", "9223372036854771712\n");
                f.put("memory.usage_in_bytes", "0\n");
                f.put("memory.max_usage_in_bytes", "0\n");
                f.put("memory.stat", "cache 0\nrss 0\ntotal_pgfault 0\n");
                f.put("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
                f.put("cgroup.event_control", "");
            }
            case "pids" -> {
                f.put("pids.max", "max\n");
                f.put("pids.current", "0\n");
                f.put("pids.events", "max 0\n");
            }
            case "cpu,cpuacct" -> {
                f.put("cpu.cfs_period_us", "100000\n");
                f.put("cpu.cfs_quota_us", "-1\n");
                f.put("cpu.shares", "1024\n");
                f.put("cpuacct.usage_user", "0\n");
                f.put("cpuacct.usage_sys", "0\n");
            }
            case "cpuset" -> {
                f.put("cpuset.cpus", "\n");
                f.put("cpuset.mems", "\n");
            }
            case "blkio" -> {
                for (String t : List.of("read_bps_device", "write_bps_device", "read_iops_device", "write_iops_device")) {
                    f.put("blkio.throttle." + t, "");
                }
                f.put("blkio.throttle.io_serviced_recursive", "Total 0\n");
                f.put("blkio.throttle.io_service_bytes_recursive", "Total 0\n");
            }
            case "freezer" -> f.put("freezer.state", "THAWED\n");
            case "unified" -> {
                f.put("cgroup.events", "populated 0\nfrozen 0\n");
                f.put("cgroup.kill", "");
                f.put("cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
            }
            default -> throw new IOException("not a scratch hierarchy: " + h);
        }
        for (Map.Entry<String, String> e : f.entrySet()) {
            put(dir, e.getKey(), e.getValue());
        }
    }

    private static long number(String v, Path file) throws IOException {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IOException("Invalid argument");
        }
    }

    private static long limit(long v) {
        return v < 0 ? Long.MAX_VALUE : v;
    }

    private void removeFromHierarchy(Path dir, long pid) throws IOException {
        Path top = root.resolve(root.relativize(dir).getName(0));
        try (Stream<Path> s = Files.walk(top)) {
            for (Path procs : s.filter(p -> p.getFileName().toString().equals("cgroup.procs")).toList()) {
                String kept = Files.readString(procs).lines().filter(l -> !l.trim().equals(Long.toString(pid)))
                        .map(l -> l + "\n").reduce("", String::concat);
                Files.writeString(procs, kept);
            }
        }
    }
}
