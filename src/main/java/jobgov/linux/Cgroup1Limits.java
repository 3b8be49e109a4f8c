package jobgov.linux;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jobgov.job.JobLimits;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;
import jobgov.linux.CgroupGuard.Operation;

/**
 * Writes a cgroup v1 job's limit files all-or-nothing: the values {@link Cgroup1Settings} maps the limits to are
 * validated (io-device) and guard-checked before any write; when the kernel rejects one, every file written so far
 * gets its previous value back and the change is refused naming the limit, the file and the kernel's reason.
 * The per-process rlimits and the watched limits are not files: {@link Cgroup1Job} and {@link Cgroup1Events} handle them.
 */
final class Cgroup1Limits {
    private static final System.Logger LOG = System.getLogger("jobgov.linux");

    private final CgroupFs fs;
    private final CgroupGuard guard;
    private final Cgroup1Settings settings;

    Cgroup1Limits(CgroupFs fs, CgroupGuard guard, Cgroup1Settings settings) {
        this.fs = fs;
        this.guard = guard;
        this.settings = settings;
    }

    /** Refuses what cgroup v1 cannot do with these limits, before anything is written. */
    static void check(JobLimits next) {
        if ((next.ioReadNotifyBytes() != null || next.ioWriteNotifyBytes() != null)
                && next.ioBandwidthBytesPerSec() == null && next.ioIops() == null) {
            throw new LimitRefusedException(Limit.IO_NOTIFICATION, "cgroup1", "cgroup v1 counts a job's IO only on a device "
                    + "with a throttle rule: give io-device and io-bandwidth or io-iops as well");
        }
    }

    /**
     * Turns {@code current} into {@code next} in the files.
     *
     * @return an undo that puts the previous values back (for a later step of the same change that fails)
     */
    Runnable apply(JobLimits next, JobLimits current) {
        check(next);
        List<Cgroup1Settings.Setting> writes = settings.changes(next, current); // validates (io-device) before any write
        Map<String, Cgroup1Settings.Setting> before = settings.of(current);
        List<Cgroup1Settings.Setting> done = new ArrayList<>();
        for (Cgroup1Settings.Setting w : writes) {
            guard.check(w.file().getParent(), Operation.LIMIT, true);
        }
        for (Cgroup1Settings.Setting w : writes) {
            try {
                fs.write(w.file(), w.value());
                done.add(w);
            } catch (IOException e) {
                undo(done, before);
                throw new LimitRefusedException(w.limit(), "cgroup1", "the kernel rejected it: " + failure(w.file(), w.value(), e)
                        + "; the previous limits are back in force");
            }
        }
        return () -> undo(done, before);
    }

    private void undo(List<Cgroup1Settings.Setting> done, Map<String, Cgroup1Settings.Setting> before) {
        for (int i = done.size() - 1; i >= 0; i--) {
            Cgroup1Settings.Setting w = done.get(i);
            String value = Cgroup1Settings.undo(w, before);
            try {
                fs.write(w.file(), value);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "could not restore " + w.file() + ": " + failure(w.file(), value, e));
            }
        }
    }

    /** The file, the value and the kernel's reason, as one phrase. */
    static String failure(java.nio.file.Path file, String value, IOException e) {
        String why = e.getMessage() == null ? e.toString() : e.getMessage();
        return "writing '" + value.strip() + "' to " + file + " failed: " + why;
    }
}
