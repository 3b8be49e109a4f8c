package jobgov.windows;

import com.sun.jna.Platform;
import com.sun.jna.platform.win32.Kernel32Util;

/** A Win32 error code as people read it: number, symbolic name and, on Windows, the system's message. */
final class Win32Error {
    private Win32Error() {
    }

    static String describe(int code) {
        String text = "error " + code + " (" + JobConstants.errorName(code) + ")";
        if (Platform.isWindows()) {
            try {
                text += ": " + Kernel32Util.formatMessage(code).trim();
            } catch (RuntimeException | LinkageError e) {
                // the number and name are enough
            }
        }
        return text;
    }
}
