package jobgov.cli;

import java.time.Duration;

import jobgov.job.Units;
import picocli.CommandLine;

/** The {@code --interval} of the refreshing commands (status --watch, top): a duration of at least 100 ms. */
final class RefreshInterval {
    private RefreshInterval() {
    }

    static Duration parse(CommandLine commandLine, String text) {
        Duration every;
        try {
            every = Units.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(commandLine, "--interval: " + e.getMessage());
        }
        if (every.toMillis() < 100) {
            throw new CommandLine.ParameterException(commandLine, "--interval: at least 100ms, got '" + text + "'");
        }
        return every;
    }
}
