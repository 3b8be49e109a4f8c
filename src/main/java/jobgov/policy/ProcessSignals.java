package jobgov.policy;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * SIGSTOP and SIGKILL for {@link PolicyJob#killTree}: a tree is stopped before it is killed, because
 * a process killed first orphans the children it forked meanwhile, which then leave its subtree.
 * Linux (and other POSIX) only; {@link #available()} is false elsewhere.
 */
final class ProcessSignals {
    private static final int SIGKILL = 9;
    private static final int SIGSTOP = 19;
    private static final Libc C = load();

    private interface Libc extends Library {
        int kill(int pid, int signal);
    }

    private ProcessSignals() {
    }

    private static Libc load() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return null;
        }
        try {
            return Native.load("c", Libc.class);
        } catch (LinkageError e) {
            return null;
        }
    }

    static boolean available() {
        return C != null;
    }

    static boolean stop(long pid) {
        return C.kill((int) pid, SIGSTOP) == 0;
    }

    static boolean kill(long pid) {
        return C.kill((int) pid, SIGKILL) == 0;
    }
}
