package jobgov.job;

/** A job operation the platform could not carry out; the message says what and, where known, how to fix it. */
public class JobException extends RuntimeException {
    public JobException(String message) {
        super(message);
    }

    public JobException(String message, Throwable cause) {
        super(message, cause);
    }
}
