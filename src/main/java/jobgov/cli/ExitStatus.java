package jobgov.cli;

/** The CLI's own exit codes; {@code run} otherwise exits with the command's code (128+N for signal N). */
final class ExitStatus {
    static final int OK = 0;
    static final int FAILED = 1;
    /** A bad flag or value, or a limit the backend refused: nothing was started. */
    static final int USAGE = 2;
    /** jobgov itself could not create the job or load the policy. */
    static final int JOB_FAILED = 125;
    static final int NOT_EXECUTABLE = 126;
    static final int NOT_FOUND = 127;

    private ExitStatus() {
    }
}
