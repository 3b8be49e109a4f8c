package jobgov.policy;

/**
 * Where a published policy says what happens to it (the Policy MBean's notifications, seen from the policy):
 * handed out by {@link PolicyViews#publishPolicy}; closing it unpublishes the policy.
 */
public interface PolicyNotices extends AutoCloseable {
    /** What a notice is about; {@link #type()} is its JMX notification type. */
    enum Kind {
        /** A message from the policy ({@code notify "..."}); its data is the type of the event being handled, if any. */
        MESSAGE("jobgov.policy.message", "a message from the policy (notify)"),
        /** A handler failed or ran over budget, or a reload failed. */
        ERROR("jobgov.policy.error", "a handler failed or ran over budget, or a reload failed"),
        /** A new version of the policy runs. */
        RELOADED("jobgov.policy.reloaded", "a new version of the policy runs");

        private final String type;
        private final String description;

        Kind(String type, String description) {
            this.type = type;
            this.description = description;
        }

        public String type() {
            return type;
        }

        public String description() {
            return description;
        }
    }

    /** Sends one notice; never blocks the caller (a handler's budget is not a slow listener's). */
    void send(Kind kind, String message, String eventType);

    /** Unpublishes the policy; never throws. */
    @Override
    void close();
}
