package jobgov.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import jobgov.testing.LiveProcesses;

/**
 * What a reliability test may leave behind, counted from the kernel's own view: cgroup directories whose
 * name starts with the test's unique prefix (in every hierarchy), processes carrying the test's marker in
 * their command line, and this JVM's open file descriptors and threads.
 */
final class Leftovers {
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    private Leftovers() {
    }

    /** Root, cgroups, and a kernel backend chosen for new jobs (not the degraded one, which enforces nothing). */
    static void kernelBackend() {
        jobgov.testing.Requirements.cgroupV1();
        String backend = jobgov.job.Jobs.backend().name();
        jobgov.testing.Requirements.require(backend.startsWith("cgroup"), "needs a cgroup backend, but jobs here get '" + backend + "'");
    }

    /** A unique job-name prefix for one test, e.g. {@code jobgov-rel-3f2a91c0}. */
    static String prefix() {
        return "jobgov-rel-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    }

    /** A unique extra argument for {@code sleep} (it adds its arguments): marks a test's processes. */
    static String marker() {
        return "0.0" + (100000000L + ThreadLocalRandom.current().nextLong(800000000L));
    }

    /** Every cgroup directory, in any hierarchy, whose name contains {@code prefix} (the agent names them jobgov-NAME.PID). */
    static List<Path> cgroups(String prefix) {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> hierarchies = Files.list(CGROUP_ROOT)) {
            for (Path h : hierarchies.toList()) {
                if (!Files.isDirectory(h) || Files.isSymbolicLink(h)) {
                    continue;
                }
                try (Stream<Path> walk = Files.walk(h, 4)) {
                    walk.filter(p -> p.getFileName().toString().contains(prefix) && Files.isDirectory(p)).forEach(found::add);
                } catch (IOException | RuntimeException raced) {
                    // a cgroup vanished while we walked: it is not left over
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return found;
    }

    /** Live (non-zombie) processes whose command line contains {@code marker} as a whole argument. */
    static List<Long> processes(String marker) {
        return LiveProcesses.matching(cmd -> ("\0" + cmd).contains("\0" + marker + "\0"));
    }

    static int openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * This JVM's threads, less the JDK's "process reaper" threads: those idle in a cached pool for up to a
     * minute after the processes they waited for have gone, and are not the code under test's.
     */
    static List<String> threads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                // the JDK's own threads: pool workers retire by themselves, and the attach listener starts when any
                // tool on the machine (jobgov list/status of another run, jcmd) attaches to this JVM
                .filter(n -> !n.startsWith("process reaper") && !n.startsWith("ForkJoinPool.commonPool-worker-")
                        && !n.equals("Attach Listener")).sorted().toList();
    }

    /** Test cleanup: SIGKILL the marked processes and remove the prefixed cgroups (deepest first). */
    static void cleanUp(String prefix, String marker) {
        if (marker != null) {
            for (int i = 0; i < 20 && !processes(marker).isEmpty(); i++) {
                processes(marker).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
                sleep(50);
            }
        }
        if (prefix != null) {
            for (int i = 0; i < 20; i++) {
                List<Path> left = new ArrayList<>(cgroups(prefix));
                if (left.isEmpty()) {
                    return;
                }
                left.sort((a, b) -> b.getNameCount() - a.getNameCount());
                for (Path d : left) {
                    Path kill = d.resolve("cgroup.kill");
                    try {
                        if (Files.exists(kill)) {
                            Files.writeString(kill, "1");
                        }
                        Files.deleteIfExists(d);
                    } catch (IOException | RuntimeException busy) {
                        // still populated: next round
                    }
                }
                sleep(50);
            }
        }
    }

    /** The value of {@code file} in the hierarchy labelled {@code label} of a job's location ("memory=/sys/... pids=/sys/..."). */
    static Path dir(String location, String label) {
        for (String part : location.split(" ")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).equals(label)) {
                return Path.of(part.substring(eq + 1));
            }
        }
        return null;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
