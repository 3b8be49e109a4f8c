package jobgov.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.stream.Stream;
import jobgov.job.CpuSet;

/**
 * A directory laid out like a cgroup v2 mount, for the machines where no controller-carrying unified
 * hierarchy exists (these build machines are hybrid). It stands in for the kernel only where a plain
 * directory cannot: {@code mkdir} creates the interface files with the kernel's defaults for the
 * controllers the parent enables; {@code cgroup.subtree_control} accepts only controllers listed in
 * {@code cgroup.controllers} and refuses them while the cgroup holds processes (not at the root);
 * {@code cgroup.procs} moves a pid; {@code cpuset.cpus} must lie within the parent's effective CPUs;
 * limit files reject values that are not numbers or {@code max}; {@code rmdir} refuses a cgroup with
 * children or processes. Every write is journaled so tests can check order and syntax.
 */
final class ScratchCgroupfs implements CgroupFs {
    final Path root;
    final List<String> journal = new ArrayList<>();

    /** A mount whose root offers {@code controllers} and holds the processes {@code rootPids}. */
    ScratchCgroupfs(Path root, Set<Cgroup2Controller> controllers, String cpusEffective) throws IOException {
        this.root = root;
        Files.createDirectories(root);
        put(root, "cgroup.controllers", Cgroup2Controller.names(controllers).replace("(none)", ""));
        put(root, "cgroup.subtree_control", "");
        put(root, "cgroup.procs", "");
        put(root, "cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
        put(root, "cpuset.cpus.effective", cpusEffective);
    }

    /** Creates cgroups along {@code path} directly (setting up the scene, not journaled), with the parent's controllers. */
    Path cgroup(String path) throws IOException {
        Path dir = root;
        for (String part : path.replaceAll("^/+", "").split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            dir = dir.resolve(part);
            if (!Files.exists(dir)) {
                create(dir);
            }
        }
        return dir;
    }

    /** Puts {@code pid} into {@code cgroup} as a scene, bypassing the rules (e.g. the JVM already living there). */
    void place(Path cgroup, long pid) throws IOException {
        removeEverywhere(pid);
        Files.writeString(cgroup.resolve("cgroup.procs"), Files.readString(cgroup.resolve("cgroup.procs")) + pid + "\n");
    }

    String get(Path dir, String file) throws IOException {
        return Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
    }

    void put(Path dir, String file, String content) throws IOException {
        Files.writeString(dir.resolve(file), content, StandardCharsets.UTF_8);
    }

    @Override
    public String read(Path file) throws IOException {
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
        switch (name) {
            case "cgroup.subtree_control" -> subtreeControl(dir, value);
            case "cgroup.procs" -> {
                if (!dir.equals(root) && !Cgroup2Controller.parse(get(dir, "cgroup.subtree_control")).isEmpty()) {
                    throw new IOException(file + ": Device or resource busy");
                }
                long pid = Long.parseLong(value.trim());
                removeEverywhere(pid);
                put(dir, name, get(dir, name) + pid + "\n");
            }
            case "cpuset.cpus" -> {
                if (!value.isBlank()) {
                    var allowed = CpuSet.parse(get(dir.getParent(), "cpuset.cpus.effective").trim()).cpus();
                    var asked = CpuSet.parse(value).cpus();
                    asked.andNot(allowed);
                    if (!asked.isEmpty()) {
                        throw new IOException(file + ": Invalid argument");
                    }
                }
                put(dir, name, value.isBlank() ? "" : value + "\n");
            }
            case "memory.max", "memory.high", "memory.swap.max", "memory.low", "pids.max", "cpu.weight" -> {
                if (!value.trim().matches("max|\\d+")) {
                    throw new IOException(file + ": Invalid argument");
                }
                put(dir, name, value.trim() + "\n");
            }
            case "cpu.max" -> {
                if (!value.trim().matches("(max|\\d+)( \\d+)?")) {
                    throw new IOException(file + ": Invalid argument");
                }
                put(dir, name, value.trim() + "\n");
            }
            case "io.max" -> ioMax(dir, value.trim());
            default -> put(dir, name, value);
        }
    }

    @Override
    public void mkdir(Path dir) throws IOException {
        if (Files.exists(dir)) {
            throw new IOException(dir + ": File exists");
        }
        create(dir);
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

    private void create(Path dir) throws IOException {
        Files.createDirectory(dir);
        put(dir, "cgroup.controllers", get(dir.getParent(), "cgroup.subtree_control"));
        put(dir, "cgroup.subtree_control", "");
        put(dir, "cgroup.procs", "");
        put(dir, "cgroup.events", "populated 0\nfrozen 0\n");
        put(dir, "cgroup.kill", "");
        put(dir, "cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\nnice_usec 0\n");
        put(dir, "cpuset.cpus.effective", get(dir.getParent(), "cpuset.cpus.effective"));
        for (Cgroup2Controller c : Cgroup2Controller.parse(get(dir, "cgroup.controllers"))) {
            interfaceFiles(dir, c, true);
        }
    }

    private void subtreeControl(Path dir, String value) throws IOException {
        Set<Cgroup2Controller> on = EnumSet.noneOf(Cgroup2Controller.class);
        on.addAll(Cgroup2Controller.parse(get(dir, "cgroup.subtree_control")));
        Set<Cgroup2Controller> available = Cgroup2Controller.parse(get(dir, "cgroup.controllers"));
        for (String token : value.trim().split("\\s+")) {
            Set<Cgroup2Controller> c = Cgroup2Controller.parse(token.substring(1));
            if (c.size() != 1) {
                throw new IOException(dir + "/cgroup.subtree_control: Invalid argument");
            }
            if (token.startsWith("+")) {
                if (!available.containsAll(c)) {
                    throw new IOException(dir + "/cgroup.subtree_control: No such file or directory");
                }
                if (!dir.equals(root) && !get(dir, "cgroup.procs").isBlank()) {
                    throw new IOException(dir + "/cgroup.subtree_control: Device or resource busy");
                }
                on.addAll(c);
            } else {
                on.removeAll(c);
            }
        }
        put(dir, "cgroup.subtree_control", Cgroup2Controller.names(on).replace("(none)", ""));
        try (Stream<Path> s = Files.list(dir)) {
            for (Path child : s.filter(Files::isDirectory).toList()) {
                Set<Cgroup2Controller> had = Cgroup2Controller.parse(get(child, "cgroup.controllers"));
                put(child, "cgroup.controllers", Cgroup2Controller.names(on).replace("(none)", ""));
                for (Cgroup2Controller c : Cgroup2Controller.values()) {
                    if (on.contains(c) != had.contains(c)) {
                        interfaceFiles(child, c, on.contains(c));
                    }
                }
            }
        }
    }

    private void interfaceFiles(Path dir, Cgroup2Controller c, boolean create) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        switch (c) {
            case MEMORY -> {
                files.put("memory.max", "max\n");
                files.put("memory.swap.max", "max\n");
                files.put("memory.high", "max\n");
                files.put("memory.low", "0\n");
                files.put("memory.current", "0\n");
                files.put("memory.peak", "0\n");
                files.put("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
                files.put("memory.stat", "anon 0\nfile 0\npgfault 0\npgmajfault 0\n");
            }
            case PIDS -> {
                files.put("pids.max", "max\n");
                files.put("pids.current", "0\n");
                files.put("pids.events", "max 0\n");
            }
            case CPU -> {
                files.put("cpu.max", "max 100000\n");
                files.put("cpu.weight", "100\n");
            }
            case CPUSET -> {
                files.put("cpuset.cpus", "");
                files.put("cpuset.mems", "");
            }
            case IO -> {
                files.put("io.max", "");
                files.put("io.stat", "");
            }
        }
        for (var e : files.entrySet()) {
            if (create) {
                put(dir, e.getKey(), e.getValue());
            } else {
                Files.deleteIfExists(dir.resolve(e.getKey()));
            }
        }
    }

    private void ioMax(Path dir, String value) throws IOException {
        String[] parts = value.split("\\s+");
        if (!parts[0].matches("\\d+:\\d+")) {
            throw new IOException(dir + "/io.max: No such device");
        }
        Map<String, String> lines = new LinkedHashMap<>();
        for (String line : get(dir, "io.max").split("\n")) {
            if (!line.isBlank()) {
                lines.put(line.substring(0, line.indexOf(' ')), line);
            }
        }
        Map<String, String> keys = new LinkedHashMap<>();
        for (String k : new String[] {"rbps", "wbps", "riops", "wiops"}) {
            keys.put(k, "max");
        }
        String old = lines.get(parts[0]);
        if (old != null) {
            for (String kv : old.substring(old.indexOf(' ') + 1).split(" ")) {
                keys.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
        }
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq < 0 || !keys.containsKey(parts[i].substring(0, eq)) || !parts[i].substring(eq + 1).matches("max|\\d+")) {
                throw new IOException(dir + "/io.max: Invalid argument");
            }
            keys.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
        }
        if (keys.values().stream().allMatch("max"::equals)) {
            lines.remove(parts[0]);
        } else {
            StringJoiner j = new StringJoiner(" ");
            j.add(parts[0]);
            keys.forEach((k, v) -> j.add(k + "=" + v));
            lines.put(parts[0], j.toString());
        }
        StringBuilder sb = new StringBuilder();
        lines.values().forEach(l -> sb.append(l).append('\n'));
        put(dir, "io.max", sb.toString());
    }

    private void removeEverywhere(long pid) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path procs : s.filter(p -> p.getFileName().toString().equals("cgroup.procs")).sorted(Comparator.naturalOrder()).toList()) {
                String kept = Files.readString(procs).lines().filter(l -> !l.trim().equals(Long.toString(pid)))
                        .map(l -> l + "\n").reduce("", String::concat);
                Files.writeString(procs, kept);
            }
        }
    }
}
