package jobgov.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import jobgov.job.Job;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;
import jobgov.job.LimitSpec;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * When the cgroup2 backend is usable and what it refuses. The hybrid verdict is read from this machine's
 * real /proc/self/mountinfo; pure-v2 layouts are described by mountinfo text pointing at a scratch
 * directory laid out like cgroupfs (no v2 kernel with controllers exists here).
 */
class Cgroup2BackendTest {
    @TempDir
    Path tmp;

    @Test
    void onThisHybridMachineItStepsAsideForCgroup1() {
        CgroupMounts real = CgroupMounts.read();
        Requirements.require(real.mode() == CgroupMounts.Mode.HYBRID,
                "needs a hybrid cgroup layout (v1 controllers plus the unified tree), as on the build machines; here: " + real);
        Optional<String> reason = new Cgroup2Backend().unavailableReason();
        assertTrue(reason.isPresent(), "cgroup2 must not claim a controller-less unified tree");
        assertTrue(reason.get().startsWith("hybrid hierarchy: the unified tree at " + real.unified().orElseThrow().mountPoint()
                + " has no controllers jobgov uses"), reason.get());
        assertTrue(reason.get().endsWith("use cgroup1"), reason.get());
    }

    @Test
    void itRanksAboveCgroup1() {
        assertTrue(new Cgroup2Backend().priority() > new Cgroup1Backend().priority());
        assertEquals("cgroup2", new Cgroup2Backend().name());
    }

    private Cgroup2Backend pureV2(Set<Cgroup2Controller> offered) throws IOException {
        ScratchCgroupfs fs = new ScratchCgroupfs(tmp.resolve("cgroup"), offered, "0-1\n");
        fs.put(fs.root, "cgroup.subtree_control", "memory pids");
        fs.cgroup("/app.service");
        String mountinfo = "29 23 0:26 / " + fs.root + " rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
        CgroupMounts mounts = CgroupMounts.parse(mountinfo, "0::/app.service\n");
        return new Cgroup2Backend(mounts, fs, () -> mounts.unified().orElseThrow().ownDir());
    }

    @Test
    void onAPureV2HostWhereItCanCreateAChildItIsUsable() throws IOException {
        Cgroup2Backend b = pureV2(EnumSet.allOf(Cgroup2Controller.class));
        assertEquals(Optional.empty(), b.unavailableReason());
        assertTrue(b.capabilities().containsAll(EnumSet.of(Limit.JOB_MEMORY, Limit.PROCESS_MEMORY, Limit.WORKING_SET, Limit.ACTIVE_PROCESSES,
                Limit.CPU_RATE, Limit.CPU_WEIGHT, Limit.AFFINITY, Limit.PROCESS_TIME, Limit.JOB_TIME, Limit.KILL_ON_CLOSE, Limit.IO_RATE,
                Limit.MEMORY_NOTIFICATION, Limit.JOB_TIME_NOTIFICATION, Limit.IO_NOTIFICATION)));
    }

    @Test
    void withoutAVisibleOwnCgroupItSaysSo() throws IOException {
        ScratchCgroupfs fs = new ScratchCgroupfs(tmp.resolve("cgroup"), EnumSet.allOf(Cgroup2Controller.class), "0-1\n");
        String mountinfo = "29 23 0:26 /some/where " + fs.root + " rw - cgroup2 cgroup2 rw\n";
        CgroupMounts mounts = CgroupMounts.parse(mountinfo, "0::/else/where\n");
        Optional<String> reason = new Cgroup2Backend(mounts, fs, () -> mounts.unified().orElseThrow().ownDir()).unavailableReason();
        assertTrue(reason.orElse("").contains("is not visible under"), reason.toString());
    }

    /** Every Windows-only limit, refused by name before anything is created. */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"ui-restrictions=desktop+read-clipboard;UI_RESTRICTIONS", "breakaway=true;BREAKAWAY",
            "silent-breakaway=true;BREAKAWAY", "net-bandwidth=1m;NET_RATE", "net-dscp=46;NET_RATE", "cpu-min=10%;CPU_MIN_MAX",
            "cpu-max=50%;CPU_MIN_MAX", "priority-class=high;PRIORITY_CLASS", "scheduling-class=7;SCHEDULING_CLASS",
            "die-on-unhandled-exception=true;DIE_ON_UNHANDLED_EXCEPTION"})
    void windowsOnlyLimitsAreRefusedNamingLimitAndPlatform(String spec, Limit expected) throws IOException {
        Cgroup2Backend b = pureV2(EnumSet.allOf(Cgroup2Controller.class));
        JobLimits limits = LimitSpec.apply(spec, JobLimits.NONE);
        LimitRefusedException e = assertThrows(LimitRefusedException.class, () -> Job.create(b, new JobSpec("refused", null, limits)));
        assertEquals(expected, e.limit());
        assertTrue(e.getMessage().contains("'" + expected.key() + "'") && e.getMessage().contains("refused by the cgroup2 backend: "
                + b.refusalReason(expected)), e.getMessage());
        try (var s = Files.list(b.ownDir())) {
            assertEquals(List.of(), s.filter(Files::isDirectory).toList(), "no cgroup was made");
        }
    }

    @Test
    void aLimitWhoseControllerTheKernelDoesNotOfferIsRefusedWithTheReason() throws IOException {
        Cgroup2Backend b = pureV2(EnumSet.of(Cgroup2Controller.MEMORY, Cgroup2Controller.PIDS));
        LimitRefusedException e = assertThrows(LimitRefusedException.class,
                () -> Job.create(b, new JobSpec("nocpu", null, LimitSpec.apply("cpu=25%", JobLimits.NONE))));
        assertEquals(Limit.CPU_RATE, e.limit());
        assertTrue(e.getMessage().contains("'cpu' controller is not in") && e.getMessage().contains("memory pids"), e.getMessage());
    }
}
