package jobgov.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The few file operations the cgroup backends (v1 and v2) perform on cgroupfs. The kernel gives them their
 * meaning ({@code mkdir} creates a cgroup with its interface files, a write to {@code cgroup.procs} moves a
 * process, a write to {@code cgroup.subtree_control} enables controllers); {@link #KERNEL} is plain file access,
 * which is all the real cgroupfs needs. Tests substitute a scratch directory laid out like a cgroup mount
 * (v2: {@code ScratchCgroupfs}, v1: {@code ScratchCgroup1fs}), so both backends get fast unit tests.
 *
 * <p>The default methods are the parsers both versions share, reading through {@link #read}.
 */
public interface CgroupFs {
    String read(Path file) throws IOException;

    /** One {@code write(2)} of {@code value}, as the kernel expects for every cgroup interface file. */
    void write(Path file, String value) throws IOException;

    void mkdir(Path dir) throws IOException;

    void rmdir(Path dir) throws IOException;

    default boolean exists(Path path) {
        return Files.exists(path);
    }

    /** The file's text, trimmed; null when it does not exist. Other read errors are unchecked. */
    default String text(Path file) {
        try {
            return read(file).strip();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A number file; {@code max}, missing or not a number: {@code dflt}. */
    default long number(Path file, long dflt) {
        return CgroupFiles.parseLong(text(file), dflt);
    }

    /** A flat keyed file ({@code key value} per line: memory.stat, cpu.stat, cgroup.events, pids.events); missing: empty. */
    default Map<String, Long> keyed(Path file) {
        return CgroupFiles.parseKeyed(text(file));
    }

    /** The pids in {@code cgroup.procs} of {@code dir} and of every cgroup below it; a cgroup removed meanwhile has none. */
    default Set<Long> procsRecursive(Path dir) {
        Set<Long> pids = new LinkedHashSet<>();
        for (Path d : CgroupFiles.tree(dir)) {
            String s;
            try {
                s = text(d.resolve("cgroup.procs"));
            } catch (UncheckedIOException e) {
                continue; // removed meanwhile
            }
            if (s != null) {
                for (String line : s.split("\n")) {
                    if (!line.isBlank()) {
                        pids.add(Long.parseLong(line.trim()));
                    }
                }
            }
        }
        return pids;
    }

    /**
     * How many pids {@code cgroup.procs} of {@code dir} and of every cgroup below it list: lines counted, nothing parsed,
     * the tree walked by directory listings only (a pid is in exactly one cgroup of a hierarchy).
     */
    default int countProcs(Path dir) {
        int n = 0;
        String s;
        try {
            s = text(dir.resolve("cgroup.procs"));
        } catch (UncheckedIOException e) {
            return 0; // removed meanwhile
        }
        if (s != null && !s.isEmpty()) {
            n = 1;
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) == '\n') {
                    n++;
                }
            }
        }
        try (java.nio.file.DirectoryStream<Path> children = Files.newDirectoryStream(dir, p -> Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
            for (Path child : children) {
                n += countProcs(child);
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            // removed meanwhile: its processes are gone with it
        }
        return n;
    }

    CgroupFs KERNEL = new CgroupFs() {
        @Override
        public String read(Path file) throws IOException {
            return Files.readString(file, StandardCharsets.UTF_8);
        }

        @Override
        public void write(Path file, String value) throws IOException {
            // No CREATE/TRUNCATE: cgroup files exist or the controller is off; one write call per value.
            // An empty value must still reach the kernel (cpuset.cpus "" = inherit): send a newline.
            String text = value.isEmpty() ? "\n" : value;
            Files.write(file, text.getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE);
        }

        @Override
        public void mkdir(Path dir) throws IOException {
            Files.createDirectory(dir);
        }

        @Override
        public void rmdir(Path dir) throws IOException {
            // A cgroup directory is removed while its interface files are still listed; rmdir(2) is right.
            Files.delete(dir);
        }
    };
}
