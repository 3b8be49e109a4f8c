package jobgov.job;

import java.util.Locale;

/** Win32 process priority classes (JOB_OBJECT_LIMIT_PRIORITY_CLASS); the values are the Win32 constants. */
public enum PriorityClass {
    IDLE(0x40), BELOW_NORMAL(0x4000), NORMAL(0x20), ABOVE_NORMAL(0x8000), HIGH(0x80), REALTIME(0x100);

    private final int win32;

    PriorityClass(int win32) {
        this.win32 = win32;
    }

    public int win32() {
        return win32;
    }

    public String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static PriorityClass parse(String text) {
        for (PriorityClass p : values()) {
            if (p.key().equalsIgnoreCase(text.trim()) || p.name().equalsIgnoreCase(text.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("priority-class: '" + text + "' is not one of idle, below-normal, normal, above-normal, high, realtime");
    }
}
