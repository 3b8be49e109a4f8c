package jobgov.job;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Every limit of {@link JobLimits} once, one row each: its key (the spec text's and the agent option's
 * {@code memory}), the policy DSL's word ({@code memory}, {@code processMemory}), the CLI flag
 * ({@code --memory}), the item of the Job MBean's {@code Limits} attribute ({@code JobMemoryLimitBytes}),
 * how its text is parsed and printed (through {@link Units}), what clears it, and the {@link Limit} a backend
 * must enforce for it. {@link LimitSpec}, the policy's {@code job { }} blocks, {@code jobgov run}'s flags,
 * the agent's options and the JMX views all iterate these rows: a new limit is one row here plus the backends'
 * code that enforces it.
 *
 * <p>No limit: a limit that is not set is {@code null} in {@link JobLimits}; in text it is cleared by
 * {@code none} (or an empty value), and by {@code 0} where 0 cannot be a value ({@link Row#zeroIsAValue}: CPU 0,
 * scheduling class 0, DSCP 0, and {@code 0} = off for switches); in JMX a number of 0 and an empty string are
 * "no limit". On the command line a flag always sets a value (leave it out for no limit).
 */
public final class LimitCatalog {
    /** How a limit's value is written, parsed, printed and published over JMX. */
    public enum Kind {
        SIZE("SIZE", long.class) {
            @Override Object parse(String v) { return Units.parseBytes(v); }
            @Override String format(Object v) { return Units.formatBytes((Long) v); }
        },
        BYTES_PER_SECOND("BYTES/s", long.class) {
            @Override Object parse(String v) {
                String t = v.trim();
                return Units.parseBytes(t.endsWith("/s") ? t.substring(0, t.length() - 2) : t);
            }
            @Override String format(Object v) { return Units.formatBytes((Long) v); }
        },
        COUNT("N", int.class) {
            @Override Object parse(String v) { return Units.parseWholeNumber(v); }
        },
        /** A count held as a long (operations per second). */
        LARGE_COUNT("N", long.class) {
            @Override Object parse(String v) { return (long) Units.parseWholeNumber(v); }
        },
        PERCENT("PERCENT", double.class) {
            @Override Object parse(String v) { return Units.parsePercent(v); }
            @Override String format(Object v) { return Units.formatPercent((Double) v); }
        },
        DURATION("DURATION", long.class) {
            @Override Object parse(String v) { return Units.parseDuration(v); }
            @Override String format(Object v) { return Units.formatDuration((Duration) v); }
            @Override Object jmx(Object v) { return v == null ? 0L : ((Duration) v).toMillis(); }
        },
        CPUS("LIST", String.class) {
            @Override Object parse(String v) { return CpuSet.parse(v); }
        },
        PRIORITY("CLASS", String.class) {
            @Override Object parse(String v) { return PriorityClass.parse(v); }
            @Override String format(Object v) { return ((PriorityClass) v).key(); }
        },
        ACTION("ACTION", String.class) {
            @Override Object parse(String v) {
                return switch (v.trim().toLowerCase(Locale.ROOT)) {
                    case "terminate" -> JobTimeAction.TERMINATE;
                    case "post", "notify" -> JobTimeAction.POST;
                    default -> throw new IllegalArgumentException("not terminate/post: '" + v + "'");
                };
            }
            @Override String format(Object v) { return ((JobTimeAction) v).name().toLowerCase(Locale.ROOT); }
        },
        SWITCH("BOOL", boolean.class) {
            @Override Object parse(String v) { return Units.parseBoolean(v); }
        },
        UI("LIST", String.class) {
            @Override Object parse(String v) {
                EnumSet<UiRestriction> s = EnumSet.noneOf(UiRestriction.class);
                for (String p : v.split("[+|,]")) {
                    if (!p.isBlank()) {
                        s.add(UiRestriction.parse(p));
                    }
                }
                return s;
            }
            @Override String format(Object v) {
                StringJoiner ui = new StringJoiner("+");
                ((Set<?>) v).forEach(r -> ui.add(((UiRestriction) r).key()));
                return ui.toString();
            }
        },
        DEVICE("DEVICE", String.class) {
            @Override Object parse(String v) { return v.trim(); }
        };

        private final String label;
        private final Class<?> jmxType;

        Kind(String label, Class<?> jmxType) {
            this.label = label;
            this.jmxType = jmxType;
        }

        /** The value's placeholder in help texts: {@code SIZE}, {@code N}, {@code DURATION}. */
        public String label() {
            return label;
        }

        /** The open type a JMX item of this kind has ({@code long}, {@code int}, {@code double}, {@code String}, {@code boolean}). */
        public Class<?> jmxType() {
            return jmxType;
        }

        abstract Object parse(String text);

        String format(Object v) {
            return String.valueOf(v);
        }

        /** The JMX value: "no limit" is 0, "" or false. */
        Object jmx(Object v) {
            if (v != null) {
                return jmxType == String.class ? format(v) : v;
            }
            if (jmxType == String.class) {
                return "";
            }
            if (jmxType == boolean.class) {
                return false;
            }
            return jmxType == int.class ? (Object) 0 : jmxType == double.class ? (Object) 0.0 : (Object) 0L;
        }
    }

    /**
     * One limit.
     *
     * @param key         kebab-case, as in {@code memory=512m} (spec text, agent options, {@code --KEY})
     * @param kind        its value's syntax and JMX type
     * @param limit       what a backend must enforce for it; null for a setting that only qualifies another (io-device, job-time-action)
     * @param jmx         its item in the Job MBean's {@code Limits} attribute, or null when only the {@code LimitSpec} text shows it
     * @param onJob       also a read-write attribute of the Job MBean (read-only for a switch)
     * @param zeroIsAValue {@code 0} is a value of this limit, not "no limit"
     * @param get         the value in a {@link JobLimits}, null when not set
     * @param set         sets (null: clears) the value in a builder
     * @param help        one sentence for {@code jobgov run --help}
     */
    public record Row(String key, Kind kind, Limit limit, String jmx, boolean onJob, boolean zeroIsAValue,
                      Function<JobLimits, Object> get, BiConsumer<JobLimits.Builder, Object> set, String help) {

        /** The policy DSL's word: {@code processMemory} for {@code process-memory}. */
        public String word() {
            StringBuilder sb = new StringBuilder();
            boolean up = false;
            for (char c : key.toCharArray()) {
                if (c == '-') {
                    up = true;
                } else {
                    sb.append(up ? Character.toUpperCase(c) : c);
                    up = false;
                }
            }
            return sb.toString();
        }

        /** The {@code jobgov run} flag: {@code --process-memory}. */
        public String flag() {
            return "--" + key;
        }

        /** Whether {@code text} means "no limit" for this row. */
        public boolean clears(String text) {
            String t = text == null ? "" : text.trim();
            return t.isEmpty() || t.equalsIgnoreCase("none") || t.equals("0") && !zeroIsAValue;
        }

        /** The value {@code text} stands for: null for "no limit"; IllegalArgumentException naming the limit when bad. */
        public Object parse(String text) {
            if (clears(text)) {
                return null;
            }
            try {
                return kind.parse(text.trim());
            } catch (IllegalArgumentException e) {
                String m = e.getMessage();
                throw new IllegalArgumentException(m != null && m.startsWith(key) ? m : key + ": " + m, e);
            }
        }

        /** This limit's text in {@code limits}, or null when it is not set. */
        public String format(JobLimits limits) {
            Object v = get.apply(limits);
            return v == null ? null : kind.format(v);
        }

        /** This limit in {@code limits} as its JMX item: 0, "" or false when not set (kill-on-close: whether it is on). */
        public Object jmxValue(JobLimits limits) {
            if (key.equals("kill-on-close")) {
                return limits.killsOnClose(); // on unless turned off: every job's default
            }
            return kind.jmx(get.apply(limits));
        }

        /**
         * The value a JMX client wrote to this row's attribute: 0 or "" (or "none") is no limit, a negative
         * number is refused naming {@code attribute}; the rest is checked when the limits are built.
         */
        public Object fromJmx(String attribute, Object value) {
            if (value instanceof String text) {
                return parse(text);
            }
            if (value instanceof Double d) {
                if (d < 0 || Double.isNaN(d)) {
                    throw new IllegalArgumentException(attribute + " must be 0 (no limit) or above 0 and at most 100, got " + d);
                }
                return d == 0 ? null : d;
            }
            if (value instanceof Boolean b) {
                return b;
            }
            long n = ((Number) value).longValue();
            if (n < 0) {
                throw new IllegalArgumentException(attribute + " must be 0 (no limit) or positive, got " + n);
            }
            if (n == 0) {
                return null;
            }
            return switch (kind) {
                case COUNT -> (int) n;
                case DURATION -> Duration.ofMillis(n);
                default -> n;
            };
        }

        /** Whether a backend must enforce {@link #limit} for this row's value in {@code limits}. */
        boolean requests(JobLimits limits) {
            Object v = get.apply(limits);
            return limit != null && v != null && (kind != Kind.SWITCH || Boolean.TRUE.equals(v));
        }

        Row onJobMBean() {
            return new Row(key, kind, limit, jmx, true, zeroIsAValue, get, set, help);
        }

        Row zeroIsValue() {
            return new Row(key, kind, limit, jmx, onJob, true, get, set, help);
        }
    }

    /** Every limit, in the order {@link LimitSpec#format} prints them and {@code --help} lists them. */
    public static final List<Row> ROWS = List.of(
            row("memory", Kind.SIZE, Limit.JOB_MEMORY, "JobMemoryLimitBytes", JobLimits::jobMemoryBytes, (b, v) -> b.jobMemoryBytes((Long) v),
                    "Caps the memory of all the job's processes together, e.g. 512m (cgroup: memory.max or memory.limit_in_bytes; the kernel OOM-kills at the cap).").onJobMBean(),
            row("process-memory", Kind.SIZE, Limit.PROCESS_MEMORY, "ProcessMemoryLimitBytes", JobLimits::processMemoryBytes, (b, v) -> b.processMemoryBytes((Long) v),
                    "Caps the address space of each process (RLIMIT_AS).").onJobMBean(),
            row("min-working-set", Kind.SIZE, Limit.WORKING_SET, "MinWorkingSetBytes", JobLimits::minWorkingSetBytes, (b, v) -> b.minWorkingSetBytes((Long) v),
                    "Memory the job keeps under pressure (cgroup2 memory.low); goes with --max-working-set."),
            row("max-working-set", Kind.SIZE, Limit.WORKING_SET, "MaxWorkingSetBytes", JobLimits::maxWorkingSetBytes, (b, v) -> b.maxWorkingSetBytes((Long) v),
                    "Memory above which the job is throttled and reclaimed (cgroup2 memory.high, cgroup1 soft limit); goes with --min-working-set."),
            row("processes", Kind.COUNT, Limit.ACTIVE_PROCESSES, "ActiveProcessLimit", JobLimits::activeProcesses, (b, v) -> b.activeProcesses((Integer) v),
                    "Caps the number of active processes; on Linux pids.max counts tasks, so threads count too.").onJobMBean(),
            row("cpu", Kind.PERCENT, Limit.CPU_RATE, "CpuRateLimitPercent", JobLimits::cpuRatePercent, (b, v) -> b.cpuRatePercent((Double) v),
                    "Caps CPU time at this share of the WHOLE machine, e.g. 50% on 2 CPUs is one CPU (systemd's CPUQuota= counts per CPU: use -p CPUQuota=100% for that).").onJobMBean(),
            row("cpu-weight", Kind.COUNT, Limit.CPU_WEIGHT, "CpuWeight", JobLimits::cpuWeight, (b, v) -> b.cpuWeight((Integer) v),
                    "Sets the CPU weight 1-9 against other jobs, 5 being the default share; each step doubles it.").onJobMBean(),
            row("cpu-min", Kind.PERCENT, Limit.CPU_MIN_MAX, "CpuMinPercent", JobLimits::cpuMinPercent, (b, v) -> b.cpuMinPercent((Double) v),
                    "Reserves this share of the machine's CPU time (Windows only; refused on Linux)."),
            row("cpu-max", Kind.PERCENT, Limit.CPU_MIN_MAX, "CpuMaxPercent", JobLimits::cpuMaxPercent, (b, v) -> b.cpuMaxPercent((Double) v),
                    "Caps CPU time with a minimum/maximum rate (Windows only; refused on Linux)."),
            row("affinity", Kind.CPUS, Limit.AFFINITY, "Affinity", JobLimits::affinity, (b, v) -> b.affinity((CpuSet) v),
                    "Lets the job run only on these CPUs, e.g. 0 or 0-1,3.").onJobMBean().zeroIsValue(),
            row("priority-class", Kind.PRIORITY, Limit.PRIORITY_CLASS, null, JobLimits::priorityClass, (b, v) -> b.priorityClass((PriorityClass) v),
                    "Sets the Windows priority class (idle, below-normal, normal, above-normal, high, realtime)."),
            row("scheduling-class", Kind.COUNT, Limit.SCHEDULING_CLASS, null, JobLimits::schedulingClass, (b, v) -> b.schedulingClass((Integer) v),
                    "Sets the Windows scheduling class 0-9.").zeroIsValue(),
            row("process-time", Kind.DURATION, Limit.PROCESS_TIME, "ProcessTimeMillis", JobLimits::processTime, (b, v) -> b.processTime((Duration) v),
                    "Caps the user CPU time of each process (RLIMIT_CPU)."),
            row("job-time", Kind.DURATION, Limit.JOB_TIME, "JobTimeMillis", JobLimits::jobTime, (b, v) -> b.jobTime((Duration) v),
                    "Caps the user CPU time of the whole job; the job is ended when it is used up."),
            row("job-time-action", Kind.ACTION, null, null, JobLimits::jobTimeAction, (b, v) -> b.jobTimeAction((JobTimeAction) v),
                    "What happens when --job-time is used up: terminate (the default) or notify."),
            row("kill-on-close", Kind.SWITCH, Limit.KILL_ON_CLOSE, "KillOnClose", JobLimits::killOnClose, (b, v) -> b.killOnClose((Boolean) v),
                    "Whether the job's processes are killed when jobgov closes the job (default true).").onJobMBean().zeroIsValue(),
            row("die-on-unhandled-exception", Kind.SWITCH, Limit.DIE_ON_UNHANDLED_EXCEPTION, null, JobLimits::dieOnUnhandledException,
                    (b, v) -> b.dieOnUnhandledException((Boolean) v),
                    "Whether a process dies without an error dialog on an unhandled exception (Windows).").zeroIsValue(),
            row("breakaway", Kind.SWITCH, Limit.BREAKAWAY, null, JobLimits::breakawayOk, (b, v) -> b.breakawayOk((Boolean) v),
                    "Whether children may be started outside the job (Windows).").zeroIsValue(),
            row("silent-breakaway", Kind.SWITCH, Limit.BREAKAWAY, null, JobLimits::silentBreakawayOk, (b, v) -> b.silentBreakawayOk((Boolean) v),
                    "Whether children start outside the job without asking (Windows).").zeroIsValue(),
            row("ui-restrictions", Kind.UI, Limit.UI_RESTRICTIONS, null, JobLimits::uiRestrictions, LimitCatalog::setUi,
                    "Windows user-interface restrictions joined with +, e.g. desktop+exitwindows."),
            row("io-bandwidth", Kind.BYTES_PER_SECOND, Limit.IO_RATE, "IoBandwidthBytesPerSecond", JobLimits::ioBandwidthBytesPerSec,
                    (b, v) -> b.ioBandwidthBytesPerSec((Long) v),
                    "Caps reads and writes each at this many bytes per second on --io-device."),
            row("io-iops", Kind.LARGE_COUNT, Limit.IO_RATE, "IoIops", JobLimits::ioIops, (b, v) -> b.ioIops((Long) v),
                    "Caps reads and writes each at this many operations per second on --io-device."),
            row("io-device", Kind.DEVICE, null, null, JobLimits::ioDevice, (b, v) -> b.ioDevice((String) v),
                    "The block device the IO caps apply to, e.g. /dev/vda or 254:0."),
            row("net-bandwidth", Kind.BYTES_PER_SECOND, Limit.NET_RATE, null, JobLimits::netBandwidthBytesPerSec,
                    (b, v) -> b.netBandwidthBytesPerSec((Long) v),
                    "Caps network bandwidth (Windows only; refused on Linux)."),
            row("net-dscp", Kind.COUNT, Limit.NET_RATE, null, JobLimits::netDscp, (b, v) -> b.netDscp((Integer) v),
                    "Tags network traffic with this DSCP value (Windows only; refused on Linux).").zeroIsValue(),
            row("memory-notify", Kind.SIZE, Limit.MEMORY_NOTIFICATION, "MemoryNotifyBytes", JobLimits::memoryNotifyBytes,
                    (b, v) -> b.memoryNotifyBytes((Long) v),
                    "Sends a limit.memory-notify event when the job's memory passes this size (no kill)."),
            row("job-time-notify", Kind.DURATION, Limit.JOB_TIME_NOTIFICATION, null, JobLimits::jobTimeNotify, (b, v) -> b.jobTimeNotify((Duration) v),
                    "Sends an event when the job's user CPU time passes this (no kill)."),
            row("io-read-notify", Kind.SIZE, Limit.IO_NOTIFICATION, null, JobLimits::ioReadNotifyBytes, (b, v) -> b.ioReadNotifyBytes((Long) v),
                    "Sends an event when the job has read this many bytes."),
            row("io-write-notify", Kind.SIZE, Limit.IO_NOTIFICATION, null, JobLimits::ioWriteNotifyBytes, (b, v) -> b.ioWriteNotifyBytes((Long) v),
                    "Sends an event when the job has written this many bytes."));

    private LimitCatalog() {
    }

    private static Row row(String key, Kind kind, Limit limit, String jmx, Function<JobLimits, Object> get,
                           BiConsumer<JobLimits.Builder, Object> set, String help) {
        return new Row(key, kind, limit, jmx, false, false, get, set, help);
    }

    @SuppressWarnings("unchecked")
    private static void setUi(JobLimits.Builder b, Object v) {
        b.uiRestrictions((Set<UiRestriction>) v);
    }

    /** Every key, in {@link #ROWS} order. */
    public static List<String> keys() {
        return ROWS.stream().map(Row::key).toList();
    }

    /** The row of {@code key} as any entry point writes it ({@code processMemory}, {@code process_memory}, {@code process-memory}). */
    public static Optional<Row> find(String key) {
        String k = normalize(key);
        return ROWS.stream().filter(r -> r.key().equals(k)).findFirst();
    }

    /** The row of the Job MBean's item {@code attribute} ({@code JobMemoryLimitBytes}). */
    public static Optional<Row> byJmx(String attribute) {
        return ROWS.stream().filter(r -> attribute.equals(r.jmx())).findFirst();
    }

    /**
     * The one key normalizer of every entry point: {@code processMemory} or {@code process_memory} to
     * {@code process-memory} (kebab-case stays as it is; surrounding blanks go).
     */
    public static String normalize(String key) {
        StringBuilder sb = new StringBuilder();
        for (char c : key.trim().toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('-').append(Character.toLowerCase(c));
            } else {
                sb.append(c == '_' ? '-' : c);
            }
        }
        return sb.toString();
    }
}
