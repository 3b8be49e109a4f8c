package jobgov.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import jobgov.job.Job;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.LimitSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole cgroup2 job's life (create with limits, change limits that need one more controller, close) on a
 * scratch directory laid out like a pure cgroup v2 mount ({@link ScratchCgroupfs}), with this process's pid
 * recorded in the parent cgroup there. No process is started: nothing in a scratch tree would contain it.
 * Checks the files the kernel would get and that close leaves the tree as it found it.
 */
class Cgroup2ScratchJobTest {
    @TempDir
    Path tmp;

    @Test
    void aJobOnAPureV2TreeEnablesWhatItsLimitsNeedAndLeavesNothingBehind() throws IOException {
        ScratchCgroupfs fs = new ScratchCgroupfs(tmp.resolve("cgroup"), EnumSet.allOf(Cgroup2Controller.class), "0-1\n");
        fs.put(fs.root, "cgroup.subtree_control", "memory pids cpu");
        Path service = fs.cgroup("/app.service");
        long self = ProcessHandle.current().pid();
        fs.place(service, self);
        String mountinfo = "29 23 0:26 / " + fs.root + " rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
        CgroupMounts mounts = CgroupMounts.parse(mountinfo, "0::/app.service\n");
        Path leaf = service.resolve("jobgov-leaf." + self);
        // The kill-on-close watchdog moves itself into "this process's cgroup" with a shell redirect, which on a
        // plain file would overwrite the scene: give it a stand-in outside the scratch tree.
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("cgroup.procs"), "");
        Cgroup2Backend backend = new Cgroup2Backend(mounts, fs, () -> elsewhere);

        Job job = Job.create(backend, new JobSpec("scratch", "/app.service", LimitSpec.apply("memory=64m,processes=16,kill-on-close=false", JobLimits.NONE)));
        Path dir = service.resolve("jobgov-scratch." + self);
        try {
            assertEquals("unified=" + dir, job.location());
            assertEquals("67108864\n", fs.get(dir, "memory.max"));
            assertEquals("16\n", fs.get(dir, "pids.max"));
            assertEquals(self + "\n", fs.get(leaf, "cgroup.procs"), "the parent's processes moved into the leaf");
            assertEquals("", fs.get(service, "cgroup.procs"));
            assertEquals("memory pids", fs.get(service, "cgroup.subtree_control"));

            job.setLimits("cpu=50%");
            assertEquals("memory pids cpu", fs.get(service, "cgroup.subtree_control"), "cpu enabled when a limit first needed it");
            assertEquals("100000 100000\n", fs.get(dir, "cpu.max"));
            assertEquals("67108864\n", fs.get(dir, "memory.max"), "the other limits stay");
            assertEquals(List.of(), job.pids());
        } finally {
            job.close();
        }
        assertFalse(Files.exists(dir));
        assertFalse(Files.exists(leaf));
        assertEquals("", fs.get(service, "cgroup.subtree_control"));
        assertEquals(self + "\n", fs.get(service, "cgroup.procs"), "back in the parent");
    }
}
