package jobgov.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The nested jars are extracted into a content-addressed cache: JVMs started again and again, or SIGKILLed at any moment, leave no pile of files. */
class NestedJarsCacheIT {
    private Path cache;

    @BeforeEach
    void cache() throws Exception {
        cache = Files.createTempDirectory("jobgov-test-cache-");
    }

    @AfterEach
    void removeCache() throws Exception {
        try (Stream<Path> files = Files.walk(cache)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void repeatedAndKilledStartsReuseTheSameFiles() throws Exception {
        int nested;
        try (JarFile jar = new JarFile(Requirements.jobgovJar().toFile())) {
            nested = (int) jar.stream().filter(e -> e.getName().startsWith("META-INF/jobgov/lib/") && e.getName().endsWith(".jar")).count();
        }
        assertTrue(nested > 3, "jobgov.jar nests its libraries");

        // SIGKILLed while extracting: killed the moment a half-written file shows up in the cache.
        for (int i = 0; i < 3; i++) {
            try (HostJvm host = start()) {
                long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (names().stream().noneMatch(n -> n.endsWith(".part")) && host.process().isAlive() && System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                host.process().destroyForcibly().waitFor();
            }
        }
        TreeSet<String> first = null;
        // Then complete starts, some SIGKILLed once main runs.
        for (int i = 0; i < 4; i++) {
            try (HostJvm host = start()) {
                host.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
                if (i % 2 == 0) {
                    host.process().destroyForcibly().waitFor();
                }
            }
            TreeSet<String> now = names();
            if (first == null) {
                first = now;
            }
            assertEquals(nested, now.size(), "one cached file per nested jar, no half-written leftovers: " + now);
        }
        assertEquals(first, names(), "the same files after every start");
    }

    private HostJvm start() throws Exception {
        return HostJvm.start("", List.of(), List.of(), Map.of("JOBGOV_CACHE", cache.toString()), TreeHost.class.getName());
    }

    private TreeSet<String> names() throws Exception {
        try (Stream<Path> files = Files.list(cache)) {
            return files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }
}
