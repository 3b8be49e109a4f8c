package jobgov.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The raw-inotify floor: scripts/bench.d/inotify-floor.c (compiled by scripts/bench) kills the only
 * process of a scratch unified-tree cgroup and times the cgroup.events notification, in the same run
 * as jobgov's own figures.
 */
final class Floor {
    private Floor() {
    }

    static boolean available(String binary) {
        return binary != null && Files.isExecutable(Path.of(binary)) && Files.isWritable(Path.of("/sys/fs/cgroup/unified"));
    }

    /** Latencies in ms of {@code count} kills, {@code gapMillis} apart (0 = back to back). */
    static Samples run(String binary, int count, int gapMillis) throws Exception {
        Path cg = Path.of("/sys/fs/cgroup/unified/jobgov-bench-floor-" + ThreadLocalRandom.current().nextInt(1 << 30));
        Files.createDirectory(cg);
        try {
            Process p = new ProcessBuilder(binary, cg.toString(), Integer.toString(count), Integer.toString(gapMillis))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Samples s = new Samples();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                for (String line; (line = r.readLine()) != null; ) {
                    s.add(Long.parseLong(line.trim()) / 1000.0);
                }
            }
            if (p.waitFor() != 0) {
                throw new IllegalStateException("inotify-floor exited " + p.exitValue());
            }
            return s;
        } finally {
            for (int i = 0; i < 100 && Files.exists(cg); i++) {
                try {
                    Files.delete(cg);
                } catch (java.io.IOException busy) {
                    Thread.sleep(10);
                }
            }
        }
    }
}
