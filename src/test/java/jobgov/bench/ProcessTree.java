package jobgov.bench;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import jobgov.testing.LiveProcesses;

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
        return LiveProcesses.matching(cmd -> cmd.startsWith("sleep\0") && cmd.contains("\0" + marker + "\0"));
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
