package jobgov.linux;

import com.sun.jna.Memory;
import java.nio.file.Path;

/**
 * A blocking wait on one cgroup's {@code cgroup.events} (unified tree, v2 or hybrid) for {@code populated 0}: inotify
 * on the file, re-read after each notification (a notification only means "read again"; the kernel sends at most one
 * per file per 10 ms). For a caller that must not return before the cgroup is empty (terminate), on its own thread;
 * the job's event thread watches the same file for events.
 */
final class CgroupEvents {
    private static final long SLICE_MILLIS = 100;

    private CgroupEvents() {
    }

    /**
     * @return true once {@code populated 0} was read, false at {@code deadline} (System.nanoTime), null when inotify
     *         cannot be had here (no libc through JNA): the caller falls back to re-reading
     */
    static Boolean waitUnpopulated(CgroupFs fs, Path cgroupEvents, long deadline) {
        int fd;
        try {
            fd = Libc.C.inotify_init1(Libc.NONBLOCK | Libc.O_CLOEXEC);
        } catch (LinkageError | RuntimeException e) {
            return null;
        }
        if (fd < 0) {
            return null;
        }
        try (Memory pfd = new Memory(8); Memory buf = new Memory(4096)) {
            if (Libc.C.inotify_add_watch(fd, cgroupEvents.toString(), Libc.IN_MODIFY) < 0) {
                return null;
            }
            pfd.clear();
            pfd.setInt(0, fd);
            pfd.setShort(4, Libc.POLLIN);
            while (true) {
                // watch first, then read: a change between the two still wakes the poll
                if (!populated(fs, cgroupEvents)) {
                    return true;
                }
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return false;
                }
                if (Libc.C.poll(pfd, 1, (int) Math.min(left, SLICE_MILLIS)) > 0) {
                    Libc.C.read(fd, buf, buf.size());
                }
            }
        } finally {
            Libc.C.close(fd);
        }
    }

    private static boolean populated(CgroupFs fs, Path cgroupEvents) {
        return fs.keyed(cgroupEvents).getOrDefault("populated", 0L) != 0;
    }
}
