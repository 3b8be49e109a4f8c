package jobgov.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import jobgov.job.JobException;
import org.junit.jupiter.api.Test;

/** Mount discovery from mountinfo + /proc/self/cgroup text, and the guard's rules, on described layouts. */
class CgroupMountsTest {
    static final String HYBRID_MOUNTINFO = """
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            50 23 0:38 /some/where /mnt/my\\040cg rw,relatime - cgroup2 cgroup2 rw
            """;
    static final String HYBRID_CGROUP = """
            9:name=systemd:/user.slice
            8:pids:/
            4:memory:/process_api/abc
            1:cpu,cpuacct:/
            0::/user.slice/session-1.scope
            """;

    @Test
    void hybridLayoutIsReadWithOwnCgroupsPerHierarchy() {
        CgroupMounts m = CgroupMounts.parse(HYBRID_MOUNTINFO, HYBRID_CGROUP);
        assertEquals(CgroupMounts.Mode.HYBRID, m.mode());
        Hierarchy mem = m.controller("memory").orElseThrow();
        assertEquals(Path.of("/sys/fs/cgroup/memory/process_api/abc"), mem.ownDir());
        Hierarchy cpu = m.controller("cpuacct").orElseThrow();
        assertEquals(cpu, m.controller("cpu").orElseThrow(), "co-mounted controllers share one hierarchy");
        assertEquals(Path.of("/sys/fs/cgroup/cpu,cpuacct"), cpu.ownDir());
        Hierarchy unified = m.unified().orElseThrow();
        assertEquals(Path.of("/sys/fs/cgroup/unified"), unified.mountPoint(), "the root mount wins over a bind mount of a sub-tree");
        assertEquals(Path.of("/sys/fs/cgroup/unified/user.slice/session-1.scope"), unified.ownDir());
        assertEquals("name=systemd", m.hierarchies().stream().filter(h -> h.name() != null).findFirst().orElseThrow().label());
    }

    @Test
    void pureV2AndNamespacedMountRoots() {
        CgroupMounts m = CgroupMounts.parse("29 23 0:26 /ns/root /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
                "0::/ns/root/app\n");
        assertEquals(CgroupMounts.Mode.V2, m.mode());
        assertEquals(Path.of("/sys/fs/cgroup/app"), m.unified().orElseThrow().ownDir());
        assertNull(m.unified().orElseThrow().dir("/elsewhere"), "a cgroup outside the mount root is not visible");
        assertEquals(CgroupMounts.Mode.NONE, CgroupMounts.parse("", "").mode());
    }

    @Test
    void mountPointsWithEscapedSpacesAreDecoded() {
        CgroupMounts m = CgroupMounts.parse("50 23 0:38 / /mnt/my\\040cg rw,relatime - cgroup2 cgroup2 rw\n", "0::/x\n");
        assertEquals(Path.of("/mnt/my cg/x"), m.unified().orElseThrow().ownDir());
    }

    @Test
    void guardRefusesRootsOwnCgroupAndAncestorsButAllowsLimitsOnOwnJobs() {
        CgroupMounts m = CgroupMounts.parse(HYBRID_MOUNTINFO, HYBRID_CGROUP);
        Path own = Path.of("/sys/fs/cgroup/memory/process_api/abc");
        Path job = own.resolve("jobgov-x.1");
        CgroupGuard guard = new CgroupGuard(m, () -> List.of(own));
        for (CgroupGuard.Operation op : CgroupGuard.Operation.values()) {
            assertThrows(JobException.class, () -> guard.check(Path.of("/sys/fs/cgroup/memory"), op, true), "root, " + op);
            assertThrows(JobException.class, () -> guard.check(own, op, false), "own, " + op);
            assertThrows(JobException.class, () -> guard.check(own.getParent(), op, false), "ancestor, " + op);
            guard.check(job, op, true); // a job we made, with us outside it
        }
        CgroupGuard inside = new CgroupGuard(m, () -> List.of(job));
        inside.check(job, CgroupGuard.Operation.LIMIT, true);
        inside.check(job, CgroupGuard.Operation.KILL_OTHERS, true);
        JobException e = assertThrows(JobException.class, () -> inside.check(job, CgroupGuard.Operation.KILL, true));
        assertTrue(e.getMessage().contains("own cgroup"), e.getMessage());
        assertThrows(JobException.class, () -> inside.check(job, CgroupGuard.Operation.FREEZE, true));
        assertThrows(JobException.class, () -> inside.check(job, CgroupGuard.Operation.LIMIT, false), "not ours: no limits");
    }
    @Test
    void hierarchiesAreEqualExactlyWhenEveryComponentIs() {
        // equals and hashCode are written out (premain's cost, see Hierarchy): they must still be the record's
        Hierarchy h = new Hierarchy(4, java.util.Set.of("memory"), null, Path.of("/sys/fs/cgroup/memory"), "/", false, "/a");
        assertEquals(h, new Hierarchy(4, java.util.Set.of("memory"), null, Path.of("/sys/fs/cgroup/memory"), "/", false, "/a"));
        assertEquals(h.hashCode(), new Hierarchy(4, java.util.Set.of("memory"), null, Path.of("/sys/fs/cgroup/memory"), "/", false, "/a").hashCode());
        List<Hierarchy> others = List.of(
                new Hierarchy(5, java.util.Set.of("memory"), null, Path.of("/sys/fs/cgroup/memory"), "/", false, "/a"),
                new Hierarchy(4, java.util.Set.of("pids"), null, Path.of("/sys/fs/cgroup/memory"), "/", false, "/a"),
                new Hierarchy(4, java.util.Set.of("memory"), "x", Path.of("/sys/fs/cgroup/memory"), "/", false, "/a"),
                new Hierarchy(4, java.util.Set.of("memory"), null, Path.of("/sys/fs/cgroup/pids"), "/", false, "/a"),
                new Hierarchy(4, java.util.Set.of("memory"), null, Path.of("/sys/fs/cgroup/memory"), "/b", false, "/a"),
                new Hierarchy(4, java.util.Set.of("memory"), null, Path.of("/sys/fs/cgroup/memory"), "/", true, "/a"),
                new Hierarchy(4, java.util.Set.of("memory"), null, Path.of("/sys/fs/cgroup/memory"), "/", false, "/b"));
        for (Hierarchy o : others) {
            assertTrue(!h.equals(o) && !o.equals(h), o::toString);
        }
    }
}
