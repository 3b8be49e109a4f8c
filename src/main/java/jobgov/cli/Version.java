package jobgov.cli;

import picocli.CommandLine;

/** The version from jobgov.jar's manifest (read through the boot class, which lives in the outer jar). */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = null;
        try {
            Package p = Class.forName("jobgov.boot.Boot", false, Version.class.getClassLoader()).getPackage();
            v = p == null ? null : p.getImplementationVersion();
        } catch (ClassNotFoundException e) {
            // not started from the jar
        }
        return new String[] {"jobgov " + (v == null ? "(development build)" : v),
            "Java " + System.getProperty("java.version") + " on " + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
    }
}
