package jobgov.job;

import java.util.Locale;

/** Win32 JOB_OBJECT_UILIMIT_* flags; the values are the Win32 constants. Windows-only. */
public enum UiRestriction {
    HANDLES(0x1), READ_CLIPBOARD(0x2), WRITE_CLIPBOARD(0x4), SYSTEM_PARAMETERS(0x8),
    DISPLAY_SETTINGS(0x10), GLOBAL_ATOMS(0x20), DESKTOP(0x40), EXIT_WINDOWS(0x80);

    private final int win32;

    UiRestriction(int win32) {
        this.win32 = win32;
    }

    public int win32() {
        return win32;
    }

    public String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static UiRestriction parse(String text) {
        for (UiRestriction r : values()) {
            if (r.key().equalsIgnoreCase(text.trim())) {
                return r;
            }
        }
        throw new IllegalArgumentException("ui-restrictions: unknown '" + text + "' (one of handles, read-clipboard, write-clipboard, "
                + "system-parameters, display-settings, global-atoms, desktop, exit-windows)");
    }
}
