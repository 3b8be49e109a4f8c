package jobgov.job;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A job's parent cgroup can only name a cgroup below the hierarchy's root. */
class JobSpecTest {
    @ParameterizedTest
    @ValueSource(strings = {"/../../../../tmp/x", "..", "../x", "a/..", "a/../b", "/./a", ".", "a//b", "//a", "a\u0000b", "a\nb",
            "a\rb", "\u007f", "", "/a/../../b/"})
    void refusesParentsThatCouldLeaveTheHierarchy(String parent) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new JobSpec("j", parent, null));
        assertTrue(e.getMessage().startsWith("parent cgroup '"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n") && !e.getMessage().contains("\u0000"), "one line: " + e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/a", "a", "a/b", "/a/b/", "system.slice/user@0.service", "a..b", "...x"})
    void acceptsPlainCgroupPaths(String parent) {
        assertDoesNotThrow(() -> new JobSpec("j", parent, null));
    }

    @org.junit.jupiter.api.Test
    void refusesOverlongNames() {
        assertThrows(IllegalArgumentException.class, () -> JobSpec.checkParent("a".repeat(256)));
        assertThrows(IllegalArgumentException.class, () -> JobSpec.checkParent("/a".repeat(2049)));
        assertDoesNotThrow(() -> JobSpec.checkParent("a".repeat(255)));
    }
}
