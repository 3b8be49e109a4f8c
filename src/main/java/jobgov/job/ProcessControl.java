package jobgov.job;

import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.LongPredicate;

/**
 * What the operating system offers about single processes when there is no kernel job around them: their facts,
 * and a signal that cannot reach a successor of their pid. Backends that track processes themselves (the
 * degraded one) use it; a platform provides it through {@link ServiceLoader} (Linux: /proc and pidfds), and
 * where none does, {@link #PORTABLE} knows nothing and can send no signal.
 */
public interface ProcessControl {
    /** Whether this platform's implementation works here (its operating system, its kernel interfaces). */
    boolean available();

    /** The process {@code pid} now, or empty when it is gone (or this platform cannot say). */
    Optional<ProcessInfo> process(long pid);

    /** Whether {@link #signalIf} can send signals here; false means only the JDK's destroy is left. */
    boolean canSignal();

    /**
     * Sends {@code signal} to {@code pid} if, with the process pinned (so its pid cannot pass to a stranger),
     * {@code same} still says it is the process meant; whether it was sent.
     */
    boolean signalIf(long pid, LongPredicate same, int signal);

    /** This process's effective user id, or -1 where the platform has none to tell. */
    int ownUid();

    /** Whether {@code pid} has ended (a zombie not yet reaped, or gone); false where the platform cannot tell. */
    boolean ended(long pid);

    /**
     * Whether {@code pid} runs a Java virtual machine (HotSpot and OpenJ9 both map a libjvm), asked before the Attach
     * API signals it; empty where the platform cannot tell (then only the JDK's own list of JVMs can).
     */
    default Optional<Boolean> runsJvm(long pid) {
        return Optional.empty();
    }

    /** No platform help: no process facts (as the degraded backend always had off Linux), no signals, no uid. */
    ProcessControl PORTABLE = new ProcessControl() {
        @Override
        public boolean available() {
            return true;
        }

        @Override
        public Optional<ProcessInfo> process(long pid) {
            return Optional.empty();
        }

        @Override
        public boolean canSignal() {
            return false;
        }

        @Override
        public boolean signalIf(long pid, LongPredicate same, int signal) {
            return false;
        }

        @Override
        public int ownUid() {
            return -1;
        }

        @Override
        public boolean ended(long pid) {
            return false;
        }
    };

    /** This platform's implementation, found once. */
    static ProcessControl platform() {
        return Found.PLATFORM;
    }

    /** Holds {@link #platform()} (looked up on first use). */
    final class Found {
        private static final ProcessControl PLATFORM = load();

        private Found() {
        }
    }

    /** The first available implementation on this class path, else {@link #PORTABLE}. */
    private static ProcessControl load() {
        for (ProcessControl c : ServiceLoader.load(ProcessControl.class, ProcessControl.class.getClassLoader())) {
            if (c.available()) {
                return c;
            }
        }
        return PORTABLE;
    }
}
