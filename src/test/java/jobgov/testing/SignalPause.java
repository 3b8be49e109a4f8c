package jobgov.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Test support: the window between listing a job's pids and signalling them, held open. Sets
 * {@code jobgov.test.signalPause} (read only by jobgov.linux.JobSignals), so every signalling call writes the pids it
 * listed and waits for {@link #go()}. {@link #close()} clears the property and lets any waiting call go on.
 */
public final class SignalPause implements AutoCloseable {
    public static final String PROPERTY = "jobgov.test.signalPause";
    private final Path dir;
    private final String prefix;

    public SignalPause() throws IOException {
        dir = Files.createTempDirectory("jobgov-signal-pause");
        prefix = dir.resolve("pause").toString();
        System.setProperty(PROPERTY, prefix);
    }

    /** The value for {@code -Djobgov.test.signalPause=} in another JVM. */
    public String prefix() {
        return prefix;
    }

    /** Waits for a signalling call to reach the window and returns the pids it listed. */
    public List<Long> awaitListed() throws IOException {
        Path listed = Path.of(prefix + ".listed");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> Files.exists(listed));
        String s = Files.readString(listed).trim();
        Files.delete(listed);
        return s.isEmpty() ? List.of() : Arrays.stream(s.split(" ")).map(Long::parseLong).toList();
    }

    /** Lets the waiting call act on what it listed. */
    public void go() throws IOException {
        Files.writeString(Path.of(prefix + ".go"), "go\n");
    }

    /** Stops pausing: later calls do not wait. */
    public void disarm() {
        System.clearProperty(PROPERTY);
    }

    @Override
    public void close() throws IOException {
        disarm();
        go(); // a call still waiting goes on (and deletes the file)
        Path go = Path.of(prefix + ".go");
        await().atMost(Duration.ofSeconds(5)).until(() -> true);
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (Files.exists(go) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        try (var s = Files.list(dir)) {
            s.forEach(p -> p.toFile().delete());
        }
        Files.deleteIfExists(dir);
    }
}
