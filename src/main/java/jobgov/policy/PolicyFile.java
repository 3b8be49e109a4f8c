package jobgov.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * A policy is code that runs with the rights of the governed JVM, so its file is checked like an ssh
 * key: refused when a user other than root and this process's user could change it, that is when the
 * file or its directory is group- or world-writable (a directory with the sticky bit, like /tmp, only
 * lets owners replace their files) or owned by another user.
 */
public final class PolicyFile {
    private PolicyFile() {
    }

    /** Checks the file as {@link #read} does, without keeping its text (the agent does this before main). */
    public static void check(Path file) {
        read(file);
    }

    /** Reads the policy after checking who can write it; {@link IllegalArgumentException} says why not. */
    static String read(Path file) {
        Path real;
        try {
            real = file.toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException("policy " + file + ": cannot read: " + e, e);
        }
        if (!Files.isRegularFile(real)) {
            throw new IllegalArgumentException("policy " + file + ": not a regular file");
        }
        check(file, real, false);
        Path dir = real.getParent();
        if (dir != null) {
            check(file, dir, true);
        }
        try {
            return Files.readString(real);
        } catch (IOException e) {
            throw new IllegalArgumentException("policy " + file + ": cannot read: " + e, e);
        }
    }

    private static void check(Path file, Path p, boolean directory) {
        int mode;
        int uid;
        try {
            mode = (Integer) Files.getAttribute(p, "unix:mode");
            uid = (Integer) Files.getAttribute(p, "unix:uid");
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            checkPosix(file, p, directory);
            return;
        } catch (IOException e) {
            throw new IllegalArgumentException("policy " + file + ": cannot check the permissions of " + p + ": " + e, e);
        }
        String what = directory ? "its directory " + p : "the file";
        if (uid != 0 && uid != ownUid()) {
            throw new IllegalArgumentException("policy " + file + ": refused: " + what + " is owned by uid " + uid
                    + ", neither root nor this process's user; a policy runs as code in this JVM (chown it)");
        }
        boolean sticky = (mode & 01000) != 0;
        if ((mode & 0022) != 0 && !(directory && sticky)) {
            throw new IllegalArgumentException("policy " + file + ": refused: " + what + " is writable by "
                    + ((mode & 0002) != 0 ? "every user" : "its group") + " (mode " + String.format("%o", mode & 07777)
                    + "); a policy runs as code in this JVM (chmod go-w " + p + ")");
        }
    }

    /** Without the unix attribute view (not Linux): the POSIX bits alone. */
    private static void checkPosix(Path file, Path p, boolean directory) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (!directory && (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE))) {
                throw new IllegalArgumentException("policy " + file + ": refused: writable by other users (chmod go-w " + p + ")");
            }
        } catch (UnsupportedOperationException e) {
            // Windows: ACLs, not mode bits; the file system's own ACLs decide.
        } catch (IOException e) {
            throw new IllegalArgumentException("policy " + file + ": cannot check the permissions of " + p + ": " + e, e);
        }
    }

    private static int ownUid() {
        return jobgov.job.ProcessControl.platform().ownUid();
    }
}
