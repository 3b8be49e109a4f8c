package jobgov.cli;

import jobgov.job.LimitRefusedException;

/**
 * A backend's refusal in the words of the platform jobgov runs on, with the fix: no Win32 constant
 * names on Linux, no "previous limits back in force" when nothing had started, and the kernel's
 * errno explained where it is the usual mistake.
 */
final class PlatformWords {
    private static final boolean WINDOWS = System.getProperty("os.name", "").startsWith("Windows");

    private PlatformWords() {
    }

    /** @param started whether the job had limits in force before (false: nothing had started) */
    static String refusal(LimitRefusedException e, boolean started) {
        String m = Main.oneLine(e);
        if (!WINDOWS) {
            // "(processor affinity (JOB_OBJECT_LIMIT_AFFINITY))" -> "(processor affinity)"
            m = m.replaceAll("\\s*\\((?:JOB_OBJECT_|JOBOBJECT_|JobObject)[A-Za-z_ /]*\\)", "");
        }
        if (!started) {
            m = m.replace("; the previous limits are back in force", "");
        }
        String key = e.limit().key();
        if (m.contains("Numerical result out of range") && key.equals("affinity")) {
            m += " (a CPU that this machine does not have: online CPUs are " + onlineCpus() + ")";
        } else if (m.contains("Device or resource busy") && (key.equals("memory") || key.contains("working-set"))) {
            m += " (the job already uses more memory than that and the kernel could not reclaim enough:"
                    + " give a limit above its current usage, or free memory in the job first)";
        } else if (m.contains("Invalid argument") && key.equals("affinity")) {
            m += " (not a CPU list this machine accepts: online CPUs are " + onlineCpus() + ")";
        }
        return m;
    }

    static String onlineCpus() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/sys/devices/system/cpu/online")).trim();
        } catch (java.io.IOException | RuntimeException e) {
            return "0-" + (Runtime.getRuntime().availableProcessors() - 1);
        }
    }
}
