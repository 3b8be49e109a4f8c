package jobgov.cli;

import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Checks a pid before the Attach API touches it. HotSpot's attach handshake signals the target with
 * SIGQUIT, which kills a process that is not a JVM: so "is it a JVM?" is asked first, from /proc.
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
        Path proc = Path.of("/proc", Long.toString(pid));
        if (Files.isDirectory(proc)) {
            String me = System.getProperty("user.name");
            String owner = owner(proc);
            boolean root = "root".equals(me);
            if (owner != null && !owner.equals(me) && !root) {
                throw new AttachRefused("pid " + pid + " belongs to user " + owner + ", and jobgov runs as " + me
                        + ": run jobgov attach as " + owner + ("root".equals(owner) ? "" : " (or as root)"));
            }
            if (!mapsJvm(proc.resolve("maps")) && !listed(pid)) {
                throw new AttachRefused("pid " + pid + " (" + h.info().command().orElse("?") + ") is not a Java virtual machine");
            }
        } else if (!listed(pid)) {
            throw new AttachRefused("pid " + pid + " is not a Java virtual machine this user can see (or it runs with -XX:-UsePerfData)");
        }
    }

    private static String owner(Path proc) {
        try {
            return Files.getOwner(proc).getName();
        } catch (IOException e) {
            return null;
        }
    }

    /** HotSpot and OpenJ9 both map a libjvm.so. */
    private static boolean mapsJvm(Path maps) {
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.anyMatch(l -> l.endsWith("/libjvm.so"));
        } catch (IOException | RuntimeException e) {
            return false;
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
