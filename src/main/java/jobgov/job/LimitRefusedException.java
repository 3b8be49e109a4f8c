package jobgov.job;

/** A limit this platform's backend cannot enforce, or a value it rejected. The old limits stay in force. */
public class LimitRefusedException extends JobException {
    private final Limit limit;

    public LimitRefusedException(Limit limit, String backend, String why) {
        super("limit '" + limit.key() + "' (" + limit.description() + ") refused by the " + backend + " backend: " + why);
        this.limit = limit;
    }

    public Limit limit() {
        return limit;
    }
}
