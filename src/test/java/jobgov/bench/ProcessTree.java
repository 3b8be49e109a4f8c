package jobgov.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A tree of {@code sleep} processes started by one bash, half of them double-forked ({@code (sleep &)}),
 * so they are reparented away from the tree and invisible to {@link ProcessHandle#descendants()}.
 * Every sleep carries a unique marker argument, which is how survivors are counted and cleaned up.
 */
final class ProcessTree {
    private static final String SCRIPT = """
            m=$1; n=$2
            for ((i=0; i<n/2; i++)); do sleep 1000 "$m" & done
            for ((i=0; i<n-n/2; i++)); do (sleep 1000 "$m" &); done
            wait
            """;

    final String marker;
    final int size;

    ProcessTree(int size) {
        this.size = size;
        // sleep adds its arguments: a tiny extra fraction of a second that no other process carries.
        this.marker = "0.0" + (100000000L + ThreadLocalRandom.current().nextLong(800000000L));
    }

    ProcessBuilder command() {
        return new ProcessBuilder("bash", "-c", SCRIPT, "bash", marker, Integer.toString(size))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    }

    /** Waits until all {@code size} sleeps run. */
    void awaitStarted(long timeoutMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        int n;
        while ((n = alive().size()) < size) {
            if (System.currentTimeMillis() > end) {
                throw new IllegalStateException("only " + n + " of " + size + " processes started");
            }
            Thread.sleep(20);
        }
    }

    /** The live (not zombie) sleeps of this tree. */
    List<Long> alive() {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.forEach(p -> {
                String name = p.getFileName().toString();
                if (!Character.isDigit(name.charAt(0))) {
                    return;
                }
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.ISO_8859_1);
                    if (cmd.startsWith("sleep\0") && cmd.contains("\0" + marker + "\0") && isAlive(Long.parseLong(name))) {
                        pids.add(Long.parseLong(name));
                    }
                } catch (IOException | RuntimeException gone) {
                    // exited while we looked
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return pids;
    }

    /** Alive and not a zombie: what "the process is gone" means for both contestants. */
    static boolean isAlive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Kills whatever of this tree is left (the baseline's survivors). */
    void cleanUp() {
        for (int round = 0; round < 50; round++) {
            List<Long> left = alive();
            if (left.isEmpty()) {
                return;
            }
            left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
