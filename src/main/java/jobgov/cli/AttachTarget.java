package jobgov.cli;

import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import java.util.Optional;
import jobgov.job.ProcessControl;

/**
 * Checks a pid before the Attach API touches it. HotSpot's attach handshake signals the target with
 * SIGQUIT, which kills a process that is not a JVM: so "is it a JVM?" is asked first, of the platform's
 * {@link ProcessControl} (Linux: /proc/PID/maps), else of the JDK's list of JVMs.
 */
final class AttachTarget {
    private AttachTarget() {
    }

    /** Throws {@link AttachRefused} with a message for people unless {@code pid} is a JVM this user may attach to. */
    static void check(long pid) {
        ProcessHandle h = ProcessHandle.of(pid).orElseThrow(() -> new AttachRefused("no process with pid " + pid));
        if (pid == ProcessHandle.current().pid()) {
            throw new AttachRefused("pid " + pid + " is this jobgov process");
        }
        Optional<Boolean> jvm = ProcessControl.platform().runsJvm(pid);
        if (jvm.isPresent()) {
            String me = System.getProperty("user.name");
            String owner = h.info().user().orElse(null);
            boolean root = "root".equals(me);
            if (owner != null && !owner.equals(me) && !root) {
                throw new AttachRefused("pid " + pid + " belongs to user " + owner + ", and jobgov runs as " + me
                        + ": run jobgov attach as " + owner + ("root".equals(owner) ? "" : " (or as root)"));
            }
            if (!jvm.get() && !listed(pid)) {
                throw new AttachRefused("pid " + pid + " (" + h.info().command().orElse("?") + ") is not a Java virtual machine");
            }
        } else if (!listed(pid)) {
            throw new AttachRefused("pid " + pid + " is not a Java virtual machine this user can see (or it runs with -XX:-UsePerfData)");
        }
    }

    private static boolean listed(long pid) {
        String id = Long.toString(pid);
        for (VirtualMachineDescriptor d : VirtualMachine.list()) {
            if (d.id().equals(id)) {
                return true;
            }
        }
        return false;
    }

    /** The target cannot be attached to; the message says why. */
    static final class AttachRefused extends RuntimeException {
        AttachRefused(String message) {
            super(message);
        }
    }
}
