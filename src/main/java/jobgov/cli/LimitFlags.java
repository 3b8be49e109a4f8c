package jobgov.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jobgov.job.JobLimits;
import jobgov.job.LimitSpec;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The limit flags of {@code jobgov run}: one row per {@link LimitSpec} key, so a limit the model
 * gains is one row here, and every value is parsed by LimitSpec exactly as agent options and the
 * MBean's setLimits parse it.
 */
final class LimitFlags {
    /** A flag: the LimitSpec key (the flag is --KEY), its value's label and one sentence for --help. */
    record Row(String key, String label, String help) {
    }

    static final List<Row> ROWS = List.of(
            new Row("memory", "SIZE", "Caps the memory of all the job's processes together, e.g. 512m (cgroup: memory.max or memory.limit_in_bytes; the kernel OOM-kills at the cap)."),
            new Row("process-memory", "SIZE", "Caps the address space of each process (RLIMIT_AS)."),
            new Row("min-working-set", "SIZE", "Memory the job keeps under pressure (cgroup2 memory.low); goes with --max-working-set."),
            new Row("max-working-set", "SIZE", "Memory above which the job is throttled and reclaimed (cgroup2 memory.high, cgroup1 soft limit); goes with --min-working-set."),
            new Row("processes", "N", "Caps the number of active processes; on Linux pids.max counts tasks, so threads count too."),
            new Row("cpu", "PERCENT", "Caps CPU time at this share of the WHOLE machine, e.g. 50% on 2 CPUs is one CPU (systemd's CPUQuota= counts per CPU: use -p CPUQuota=100% for that)."),
            new Row("cpu-weight", "N", "Sets the CPU weight 1-9 against other jobs, 5 being the default share; each step doubles it."),
            new Row("cpu-min", "PERCENT", "Reserves this share of the machine's CPU time (Windows only; refused on Linux)."),
            new Row("cpu-max", "PERCENT", "Caps CPU time with a minimum/maximum rate (Windows only; refused on Linux)."),
            new Row("affinity", "LIST", "Lets the job run only on these CPUs, e.g. 0 or 0-1,3."),
            new Row("priority-class", "CLASS", "Sets the Windows priority class (idle, below-normal, normal, above-normal, high, realtime)."),
            new Row("scheduling-class", "N", "Sets the Windows scheduling class 0-9."),
            new Row("process-time", "DURATION", "Caps the user CPU time of each process (RLIMIT_CPU)."),
            new Row("job-time", "DURATION", "Caps the user CPU time of the whole job; the job is ended when it is used up."),
            new Row("job-time-action", "ACTION", "What happens when --job-time is used up: terminate (the default) or notify."),
            new Row("kill-on-close", "BOOL", "Whether the job's processes are killed when jobgov closes the job (default true)."),
            new Row("die-on-unhandled-exception", "BOOL", "Whether a process dies without an error dialog on an unhandled exception (Windows)."),
            new Row("breakaway", "BOOL", "Whether children may be started outside the job (Windows)."),
            new Row("silent-breakaway", "BOOL", "Whether children start outside the job without asking (Windows)."),
            new Row("ui-restrictions", "LIST", "Windows user-interface restrictions joined with +, e.g. desktop+exitwindows."),
            new Row("io-bandwidth", "BYTES/s", "Caps reads and writes each at this many bytes per second on --io-device."),
            new Row("io-iops", "N", "Caps reads and writes each at this many operations per second on --io-device."),
            new Row("io-device", "DEVICE", "The block device the IO caps apply to, e.g. /dev/vda or 254:0."),
            new Row("net-bandwidth", "BYTES/s", "Caps network bandwidth (Windows only; refused on Linux)."),
            new Row("net-dscp", "N", "Tags network traffic with this DSCP value (Windows only; refused on Linux)."),
            new Row("memory-notify", "SIZE", "Sends a limit.memory-notify event when the job's memory passes this size (no kill)."),
            new Row("job-time-notify", "DURATION", "Sends an event when the job's user CPU time passes this (no kill)."),
            new Row("io-read-notify", "SIZE", "Sends an event when the job has read this many bytes."),
            new Row("io-write-notify", "SIZE", "Sends an event when the job has written this many bytes."));

    /** Keys whose value 0 is a real value, not "no limit" (CPU 0, class 0, DSCP 0). */
    private static final Set<String> ZERO_IS_A_VALUE = Set.of("affinity", "scheduling-class", "net-dscp");

    private LimitFlags() {
    }

    static {
        if (!ROWS.stream().map(Row::key).toList().equals(LimitSpec.KEYS)) {
            throw new IllegalStateException("LimitFlags.ROWS must follow LimitSpec.KEYS");
        }
    }

    /** Adds a --KEY option per row to {@code run}. */
    static void addTo(CommandSpec run) {
        for (Row r : ROWS) {
            run.addOption(OptionSpec.builder("--" + r.key()).paramLabel(r.label()).type(String.class)
                    .description(r.help().replace("%", "%%")).build());
        }
    }

    /** The flags given on the command line, in LimitSpec order. */
    static Map<String, String> given(CommandSpec run) {
        Map<String, String> given = new LinkedHashMap<>();
        for (Row r : ROWS) {
            OptionSpec o = run.findOption("--" + r.key());
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
        java.util.StringJoiner spec = new java.util.StringJoiner(",");
        for (Map.Entry<String, String> f : flags.entrySet()) {
            String key = f.getKey();
            String v = f.getValue();
            String flag = "--" + key;
            // In a spec "0"/"none" clears a limit; on the command line leaving the flag out does that.
            boolean clears = v.isBlank() || v.trim().equalsIgnoreCase("none") || v.trim().equals("0") && !ZERO_IS_A_VALUE.contains(key);
            if (clears) {
                throw new CommandLine.ParameterException(line, flag + ": needs a positive value, got '" + v + "' (leave the flag out for no limit)");
            }
            if (v.contains(",") && !key.equals("affinity")) {
                throw new CommandLine.ParameterException(line, flag + ": one value expected, got '" + v + "'");
            }
            if (v.contains("=")) {
                throw new CommandLine.ParameterException(line, flag + ": '" + v + "' is not a value of " + flag);
            }
            spec.add(key + "=" + v);
        }
        if (flags.isEmpty()) {
            return base;
        }
        try {
            return LimitSpec.apply(spec.toString(), base);
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
