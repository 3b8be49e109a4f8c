package jobgov.policy;

import java.util.ResourceBundle;

/**
 * {@code log} in a policy: the System.Logger {@code jobgov.policy.NAME}, plus the short words
 * {@code log.info 'x'}, {@code log.warn 'x'}, {@code log.error 'x'}, {@code log.debug 'x'}.
 */
public final class PolicyLog implements System.Logger {
    private final System.Logger logger;

    PolicyLog(String policyName) {
        this.logger = System.getLogger("jobgov.policy." + policyName);
    }

    public void trace(Object msg) {
        log(Level.TRACE, String.valueOf(msg));
    }

    public void debug(Object msg) {
        log(Level.DEBUG, String.valueOf(msg));
    }

    public void info(Object msg) {
        log(Level.INFO, String.valueOf(msg));
    }

    public void warn(Object msg) {
        log(Level.WARNING, String.valueOf(msg));
    }

    public void error(Object msg) {
        log(Level.ERROR, String.valueOf(msg));
    }

    @Override
    public String getName() {
        return logger.getName();
    }

    @Override
    public boolean isLoggable(Level level) {
        return logger.isLoggable(level);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        logger.log(level, bundle, msg, thrown);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        logger.log(level, bundle, format, params);
    }
}
