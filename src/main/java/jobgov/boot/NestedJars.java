package jobgov.boot;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Extracts the jars nested under {@code META-INF/jobgov/lib/} into a content-addressed cache and
 * builds a class loader over them. Each cached file is named by the entry's CRC-32 and size, so a
 * SIGKILLed JVM leaves nothing new behind: the next start finds the same files and reuses them.
 */
final class NestedJars {
    static final String PREFIX = "META-INF/jobgov/lib/";
    private static volatile URL[] cached;

    private NestedJars() {
    }

    static ClassLoader loader(ClassLoader parent) throws IOException {
        return new Loader(urls(), parent);
    }

    /**
     * The nested jars over {@code parent} (the JDK for the agent, never the host's class path), and the boot classes
     * from the loader that holds them: the entry interfaces ({@link AgentEntry}, {@link CommandEntry}) must be the
     * very classes boot holds, and jobgov-core does not carry them.
     */
    private static final class Loader extends URLClassLoader {
        static {
            ClassLoader.registerAsParallelCapable();
        }

        Loader(URL[] urls, ClassLoader parent) {
            super("jobgov", urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("jobgov.boot.")) {
                return Class.forName(name, resolve, NestedJars.class.getClassLoader());
            }
            return super.loadClass(name, resolve);
        }
    }

    static synchronized URL[] urls() throws IOException {
        if (cached != null) {
            return cached;
        }
        Path self = selfJar();
        Path cache = cacheDir();
        removeAbandonedParts(cache);
        List<URL> urls = new ArrayList<>();
        try (JarFile jar = new JarFile(self.toFile())) {
            Enumeration<JarEntry> entries = jar.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                String name = e.getName();
                if (!name.startsWith(PREFIX) || !name.endsWith(".jar")) {
                    continue;
                }
                String base = name.substring(PREFIX.length());
                String crc = Long.toHexString(e.getCrc()); // not String.format: its first use costs ~10 ms of premain (regex, locale data)
                Path target = cache.resolve("0".repeat(Math.max(0, 8 - crc.length())) + crc + "-" + e.getSize() + "-" + base);
                if (!Files.isRegularFile(target) || Files.size(target) != e.getSize()) {
                    // NAME.PID.part: a JVM killed while extracting leaves one, which the next start removes
                    Path tmp = cache.resolve(target.getFileName() + "." + ProcessHandle.current().pid() + ".part");
                    try (InputStream in = jar.getInputStream(e)) {
                        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } finally {
                        Files.deleteIfExists(tmp);
                    }
                }
                urls.add(target.toUri().toURL());
            }
        }
        if (urls.isEmpty()) {
            throw new IOException("no nested jars under " + PREFIX + " in " + self + " (was it built with mvn package?)");
        }
        cached = urls.toArray(URL[]::new);
        return cached;
    }

    /** Deletes the half-extracted files of JVMs that are gone (SIGKILLed mid-copy); a live JVM's part is left alone. */
    private static void removeAbandonedParts(Path cache) {
        try (java.util.stream.Stream<Path> files = Files.list(cache)) {
            files.forEach(p -> {
                String n = p.getFileName().toString();
                if (!n.endsWith(".part")) {
                    return;
                }
                String stem = n.substring(0, n.length() - ".part".length());
                try {
                    long pid = Long.parseLong(stem.substring(stem.lastIndexOf('.') + 1));
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        return;
                    }
                } catch (NumberFormatException notOurs) {
                    return;
                }
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // another JVM removed it first
                }
            });
        } catch (IOException ignored) {
            // an unreadable cache fails below with a clear message
        }
    }

    private static Path selfJar() throws IOException {
        try {
            return Paths.get(Boot.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (Exception e) {
            throw new IOException("cannot locate jobgov.jar: " + e, e);
        }
    }

    /** $JOBGOV_CACHE, else ~/.cache/jobgov, else a private directory in java.io.tmpdir. */
    private static Path cacheDir() throws IOException {
        String env = System.getenv("JOBGOV_CACHE");
        List<Path> candidates = new ArrayList<>();
        if (env != null && !env.isBlank()) {
            candidates.add(Paths.get(env));
        }
        String home = System.getProperty("user.home");
        if (home != null && !home.isBlank() && !"?".equals(home)) {
            candidates.add(Paths.get(home, ".cache", "jobgov"));
        }
        candidates.add(Paths.get(System.getProperty("java.io.tmpdir"), "jobgov-" + System.getProperty("user.name")));
        IOException last = null;
        for (Path p : candidates) {
            try {
                if (!Files.isDirectory(p)) {
                    Files.createDirectories(p);
                    try {
                        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
                    } catch (UnsupportedOperationException ignored) {
                        // not a POSIX file system (Windows): the user's profile is private already
                    }
                }
                if (!Files.isWritable(p)) {
                    throw new AccessDeniedException(p.toString());
                }
                return p;
            } catch (IOException e) {
                last = e;
            }
        }
        throw new IOException("no writable cache directory for jobgov's nested jars (set JOBGOV_CACHE)", last);
    }
}
