package jobgov.agent;

/**
 * The job name when none is given: the host's main class (or jar) from {@code sun.java.command}, made a
 * valid job name, plus the pid. The pid keeps two JVMs running the same main class (whose cgroups may
 * share a parent) from colliding.
 */
final class DefaultJobName {
    private DefaultJobName() {
    }

    static String of(String javaCommand, long pid) {
        String main = javaCommand == null ? "" : javaCommand.trim();
        int space = main.indexOf(' ');
        if (space >= 0) {
            main = main.substring(0, space);
        }
        if (main.endsWith(".jar")) {
            // -jar path/to/app.jar: the jar's file name
            int slash = Math.max(main.lastIndexOf('/'), main.lastIndexOf('\\'));
            main = main.substring(slash + 1, main.length() - ".jar".length());
        }
        String clean = main.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[^A-Za-z0-9]+", "");
        String suffix = "-" + pid;
        if (clean.isEmpty()) {
            clean = "jvm";
        }
        if (clean.length() + suffix.length() > 100) {
            clean = clean.substring(clean.length() - (100 - suffix.length())).replaceAll("^[^A-Za-z0-9]+", "");
            if (clean.isEmpty()) {
                clean = "jvm";
            }
        }
        return clean + suffix;
    }
}
