package jobgov.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import jobgov.job.JobLimits;
import jobgov.job.LimitCatalog;
import jobgov.job.LimitSpec;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The limit flags of {@code jobgov run}: one {@code --KEY} per row of {@link LimitCatalog}, so a limit the
 * model gains is a flag here without a line of this file, and every value is parsed by LimitSpec exactly as
 * agent options and the MBean's setLimits parse it. A flag always sets a value: "no limit" is leaving it out.
 */
final class LimitFlags {
    private LimitFlags() {
    }

    /** Adds a --KEY option per row to {@code run}. */
    static void addTo(CommandSpec run) {
        for (LimitCatalog.Row r : LimitCatalog.ROWS) {
            run.addOption(OptionSpec.builder(r.flag()).paramLabel(r.kind().label()).type(String.class)
                    .description(r.help().replace("%", "%%")).build());
        }
    }

    /** The flags given on the command line, in LimitSpec order. */
    static Map<String, String> given(CommandSpec run) {
        Map<String, String> given = new LinkedHashMap<>();
        for (LimitCatalog.Row r : LimitCatalog.ROWS) {
            OptionSpec o = run.findOption(r.flag());
            if (o != null && o.getValue() != null) {
                given.put(r.key(), o.getValue());
            }
        }
        return given;
    }

    /**
     * {@code base} with the flags applied, validated as a whole (so --min-working-set and
     * --max-working-set go together); a bad value is a ParameterException naming its flag.
     */
    static JobLimits apply(CommandLine line, Map<String, String> flags, JobLimits base) {
        for (Map.Entry<String, String> f : flags.entrySet()) {
            String key = f.getKey();
            String v = f.getValue();
            String flag = "--" + key;
            // In a spec "0"/"none" clears a limit; on the command line leaving the flag out does that.
            LimitCatalog.Row row = LimitCatalog.find(key).orElseThrow(() -> new CommandLine.ParameterException(line, flag + ": not a limit"));
            if (row.clears(v)) {
                throw new CommandLine.ParameterException(line, flag + ": needs a positive value, got '" + v + "' (leave the flag out for no limit)");
            }
            if (v.contains(",") && !key.equals("affinity")) {
                throw new CommandLine.ParameterException(line, flag + ": one value expected, got '" + v + "'");
            }
            if (v.contains("=")) {
                throw new CommandLine.ParameterException(line, flag + ": '" + v + "' is not a value of " + flag);
            }
        }
        if (flags.isEmpty()) {
            return base;
        }
        try {
            return LimitSpec.apply(flags, base);
        } catch (IllegalArgumentException e) {
            String m = Main.oneLine(e);
            String key = flags.keySet().stream().filter(k -> m.startsWith(k + ": ") || m.startsWith(k + " "))
                    .max(java.util.Comparator.comparingInt(String::length)).orElse(null);
            if (key == null || m.contains("cannot be combined") || m.contains("go together")) {
                throw new CommandLine.ParameterException(line, "--" + m.replaceAll("^([a-z-]+)", "$1"));
            }
            throw new CommandLine.ParameterException(line, "--" + key + ": " + (m.startsWith(key + ": ") ? m.substring(key.length() + 2) : m));
        }
    }
}
