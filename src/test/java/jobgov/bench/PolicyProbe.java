package jobgov.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;
import jobgov.job.Job;
import jobgov.policy.PolicyRuntime;

/**
 * A policy whose one handler, {@code on(JobEvent)}, stamps every event into the benchmark's queue: the
 * policy path of the event-latency figure. The queue is reached through a system property, since a
 * policy script sees only what the JVM shares.
 */
final class PolicyProbe {
    static final String SINK = "jobgov.bench.sink";
    private static final String SCRIPT = """
            on(JobEvent) { e -> System.getProperties().get('%s').accept([System.nanoTime(), e.type(), e.pid()] as Object[]) }
            """.formatted(SINK);

    private PolicyProbe() {
    }

    /** Loads the probe policy on {@code job}; null when the policy engine is not available. */
    static AutoCloseable load(Job job, BlockingQueue<Stamp> stamps) throws Exception {
        Consumer<Object[]> sink = v -> stamps.offer(new Stamp((Long) v[0], (String) v[1], ((Number) v[2]).longValue()));
        System.getProperties().put(SINK, sink);
        Path file = Files.createTempFile("jobgov-bench-probe", ".groovy");
        Files.writeString(file, SCRIPT);
        try {
            PolicyRuntime policy = PolicyRuntime.load(file, job, Map.of("name", job.name()));
            return () -> {
                policy.close();
                Files.deleteIfExists(file);
                System.getProperties().remove(SINK);
            };
        } catch (UnsupportedOperationException notBuilt) {
            Files.deleteIfExists(file);
            return null;
        }
    }
}
