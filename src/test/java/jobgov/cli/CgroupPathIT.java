package jobgov.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/** {@code jobgov run --cgroup} resolves only inside the cgroup hierarchies: hostile paths exit 2 before any mkdir. */
class CgroupPathIT {
    @Test
    void hostileParentsAreRefusedWithOneLineAndNothingIsCreated() throws Exception {
        Requirements.cgroupV1();
        Path outside = Files.createTempDirectory(Path.of("/tmp"), "jobgov-test-escape-");
        try {
            String rel = outside.toString().substring(1);
            List<String> hostile = List.of("/../../../../" + rel, "../../../../" + rel, "/a/../../../../" + rel, "/./" + rel,
                    "//" + rel, "a//b", "/..", "..", ".", "a/b\nc", "x".repeat(300), "/a\tb/..");
            for (String parent : hostile) {
                String name = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
                Cli.Result r = Cli.run("run", "--name", name, "--cgroup", parent, "--", "true");
                assertEquals(2, r.code(), parent + ": " + r);
                assertEquals(1, r.errLines().size(), parent + ": " + r);
                assertTrue(r.errLines().get(0).startsWith("jobgov run: --cgroup: "), parent + ": " + r);
                assertEquals(List.of(), Cli.cgroupsNamed(name), parent + ": nothing in cgroupfs");
                try (Stream<Path> s = Files.list(outside)) {
                    assertEquals(0, s.count(), parent + ": nothing outside cgroupfs");
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(outside)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
