package jobgov.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reading and writing cgroupfs files: one write(2) per value (cgroupfs takes a value per write), the
 * kernel's reason in every error, and the parsers for its formats (flat keyed files, pid lists).
 * Shared by the cgroup1 and cgroup2 backends.
 */
public final class CgroupFiles {
    private CgroupFiles() {
    }

    /** Writes {@code value} in one write; throws {@link IOException} with the kernel's reason. */
    public static void write(Path file, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        try (var ch = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
            int n = ch.write(java.nio.ByteBuffer.wrap(bytes));
            if (n != bytes.length) {
                throw new IOException("short write to " + file + ": " + n + " of " + bytes.length + " bytes");
            }
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new IOException("writing '" + value.strip() + "' to " + file + " failed: " + why, e);
        }
    }

    /** The file's text, trimmed; null when it does not exist. */
    public static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A number file ({@code max} or missing -> {@code dflt}). */
    public static long readLong(Path file, long dflt) {
        return parseLong(read(file), dflt);
    }

    /** A number file's text; {@code max}, null, empty or not a number: {@code dflt}. */
    static long parseLong(String s, long dflt) {
        if (s == null || s.isEmpty() || s.equals("max")) {
            return dflt;
        }
        try {
            return Long.parseLong(s.split("\\s+")[0]);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /** A flat keyed file ({@code key value} per line: memory.stat, cpu.stat, cgroup.events, pids.events). */
    public static Map<String, Long> readKeyed(Path file) {
        return parseKeyed(read(file));
    }

    /** A flat keyed file's text; null: empty. Values that are not numbers ("max") are not counters: left out. */
    static Map<String, Long> parseKeyed(String s) {
        Map<String, Long> m = new TreeMap<>();
        if (s == null) {
            return m;
        }
        for (String line : s.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                try {
                    m.put(f[0], Long.parseLong(f[1]));
                } catch (NumberFormatException ignored) {
                    // not a number: not a counter
                }
            }
        }
        return m;
    }

    /** The pids in {@code cgroup.procs} of {@code dir} only. */
    public static List<Long> procs(Path dir) {
        List<Long> pids = new ArrayList<>();
        String s;
        try {
            s = read(dir.resolve("cgroup.procs"));
        } catch (UncheckedIOException e) {
            return pids; // removed meanwhile
        }
        if (s != null) {
            for (String line : s.split("\n")) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.trim()));
                }
            }
        }
        return pids;
    }

    /** The pids in {@code dir} and every cgroup below it. */
    public static Set<Long> procsRecursive(Path dir) {
        Set<Long> pids = new LinkedHashSet<>();
        for (Path d : tree(dir)) {
            pids.addAll(procs(d));
        }
        return pids;
    }

    /** {@code dir} and every directory below it, parents first. */
    public static List<Path> tree(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(Files::isDirectory).forEach(out::add);
        } catch (IOException | UncheckedIOException e) {
            out.add(dir); // a sub-cgroup vanished during the walk; the top one is what matters
        }
        return out;
    }
}
