package jobgov.bench;

/** An event as a listener or policy handler saw it: when (System.nanoTime), its JMX type, its pid. */
record Stamp(long nanos, String type, long pid) {
    boolean isExit(long forPid) {
        return pid == forPid && (type.equals("jobgov.process.exit") || type.equals("jobgov.process.abnormal-exit"));
    }
}
