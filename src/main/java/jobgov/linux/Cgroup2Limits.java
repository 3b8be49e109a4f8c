package jobgov.linux;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;

/**
 * The job's limits as cgroup v2 interface files, written in the kernel's own syntax, all-or-nothing:
 * every file is read first, then written in a fixed order; when the kernel rejects one value, the files
 * already written get their previous contents back and the whole change is refused.
 *
 * <table>
 * <caption>What each limit becomes</caption>
 * <tr><td>memory</td><td>{@code memory.max} bytes, and {@code memory.swap.max 0} where the kernel accounts swap
 *     (a job memory limit is a limit on RAM plus swap, as the Win32 limit counts committed memory)</td></tr>
 * <tr><td>min/max-working-set</td><td>{@code memory.low} / {@code memory.high}</td></tr>
 * <tr><td>processes</td><td>{@code pids.max} (counts tasks: threads too)</td></tr>
 * <tr><td>cpu</td><td>{@code cpu.max "QUOTA PERIOD"}, QUOTA = percent/100 x online CPUs x PERIOD, PERIOD 100 ms
 *     (1 s when that leaves less than the kernel's 1 ms minimum quota)</td></tr>
 * <tr><td>cpu-weight</td><td>{@code cpu.weight} = 100 x 2^(w-5): 1-9 maps to 6, 13, 25, 50, 100 (default), 200, 400, 800, 1600</td></tr>
 * <tr><td>affinity</td><td>{@code cpuset.cpus}; {@code cpuset.mems} stays empty, which v2 reads as "the parent's nodes"</td></tr>
 * <tr><td>io-bandwidth / io-iops</td><td>{@code io.max "MAJ:MIN rbps=B wbps=B riops=N wiops=N"}: the cap applies
 *     to reads and to writes each</td></tr>
 * </table>
 * A limit that is cleared gets the kernel's default back ({@code max}, {@code 0}, {@code 100}, empty).
 */
public final class Cgroup2Limits {
    static final long CPU_PERIOD_USEC = 100_000;
    static final long CPU_PERIOD_MAX_USEC = 1_000_000;
    static final long CPU_QUOTA_MIN_USEC = 1_000;

    private final CgroupFs fs;
    private final int machineCpus;
    private final Function<String, String> deviceNumbers;

    /**
     * @param machineCpus   the online CPUs, the "whole machine" a cpu percentage refers to
     * @param deviceNumbers {@code io-device} to {@code MAJ:MIN} (see {@link Cgroup2BlockDevice})
     */
    public Cgroup2Limits(CgroupFs fs, int machineCpus, Function<String, String> deviceNumbers) {
        this.fs = fs;
        this.machineCpus = machineCpus;
        this.deviceNumbers = deviceNumbers;
    }

    /** One interface file write, and the limit it serves (named in a refusal). */
    record Write(String file, String value, Limit limit) {
    }

    /** The controllers these limits need in the job's cgroup. */
    public static Set<Cgroup2Controller> controllers(JobLimits l) {
        EnumSet<Cgroup2Controller> s = EnumSet.noneOf(Cgroup2Controller.class);
        if (l.jobMemoryBytes() != null || l.minWorkingSetBytes() != null || l.maxWorkingSetBytes() != null || l.memoryNotifyBytes() != null) {
            s.add(Cgroup2Controller.MEMORY);
        }
        if (l.activeProcesses() != null) {
            s.add(Cgroup2Controller.PIDS);
        }
        if (l.cpuRatePercent() != null || l.cpuWeight() != null) {
            s.add(Cgroup2Controller.CPU);
        }
        if (l.affinity() != null) {
            s.add(Cgroup2Controller.CPUSET);
        }
        if (l.ioBandwidthBytesPerSec() != null || l.ioIops() != null) {
            s.add(Cgroup2Controller.IO);
        }
        return s;
    }

    /** Win32 weight 1-9 (5 is the default) to cgroup v2 {@code cpu.weight} 1-10000 (100 is the default): each step doubles. */
    public static int cpuWeight(int win32Weight) {
        return (int) Math.round(100 * Math.pow(2, win32Weight - 5));
    }

    /** {@code cpu.max} for a hard cap of {@code percent} of a machine with {@code cpus} CPUs. */
    public static String cpuMax(double percent, int cpus) {
        long period = CPU_PERIOD_USEC;
        long quota = Math.round(percent / 100 * cpus * period);
        if (quota < CPU_QUOTA_MIN_USEC) {
            period = CPU_PERIOD_MAX_USEC;
            quota = Math.max(CPU_QUOTA_MIN_USEC, Math.round(percent / 100 * cpus * period));
        }
        return quota + " " + period;
    }

    /** The writes that take the job from {@code current} to {@code next}, in the order they are made. */
    List<Write> writes(Path job, JobLimits next, JobLimits current) {
        Set<Cgroup2Controller> touched = controllers(next);
        touched.addAll(controllers(current));
        List<Write> w = new ArrayList<>();
        if (touched.contains(Cgroup2Controller.MEMORY)) {
            w.add(new Write("memory.max", bytesOrMax(next.jobMemoryBytes()), Limit.JOB_MEMORY));
            if (fs.exists(job.resolve("memory.swap.max"))) {
                w.add(new Write("memory.swap.max", next.jobMemoryBytes() == null ? "max" : "0", Limit.JOB_MEMORY));
            }
            w.add(new Write("memory.high", bytesOrMax(next.maxWorkingSetBytes()), Limit.WORKING_SET));
            w.add(new Write("memory.low", next.minWorkingSetBytes() == null ? "0" : Long.toString(next.minWorkingSetBytes()), Limit.WORKING_SET));
        }
        if (touched.contains(Cgroup2Controller.PIDS)) {
            w.add(new Write("pids.max", next.activeProcesses() == null ? "max" : Integer.toString(next.activeProcesses()), Limit.ACTIVE_PROCESSES));
        }
        if (touched.contains(Cgroup2Controller.CPU)) {
            w.add(new Write("cpu.max", next.cpuRatePercent() == null ? "max " + CPU_PERIOD_USEC : cpuMax(next.cpuRatePercent(), machineCpus), Limit.CPU_RATE));
            w.add(new Write("cpu.weight", Integer.toString(next.cpuWeight() == null ? 100 : cpuWeight(next.cpuWeight())), Limit.CPU_WEIGHT));
        }
        if (touched.contains(Cgroup2Controller.CPUSET)) {
            w.add(new Write("cpuset.cpus", next.affinity() == null ? "" : next.affinity().toString(), Limit.AFFINITY));
        }
        if (touched.contains(Cgroup2Controller.IO)) {
            String nextDev = ioRate(next) ? device(next) : null;
            String oldDev = ioRate(current) && current.ioDevice() != null ? device(current) : null;
            if (oldDev != null && !oldDev.equals(nextDev)) {
                w.add(new Write("io.max", oldDev + " rbps=max wbps=max riops=max wiops=max", Limit.IO_RATE));
            }
            if (nextDev != null) {
                String bps = next.ioBandwidthBytesPerSec() == null ? "max" : Long.toString(next.ioBandwidthBytesPerSec());
                String iops = next.ioIops() == null ? "max" : Long.toString(next.ioIops());
                w.add(new Write("io.max", nextDev + " rbps=" + bps + " wbps=" + bps + " riops=" + iops + " wiops=" + iops, Limit.IO_RATE));
            }
        }
        return w;
    }

    /**
     * Writes {@code next} into the job's cgroup. On a rejected value restores what was there, then throws
     * {@link LimitRefusedException} naming the limit and the kernel's answer.
     */
    public void apply(Path job, JobLimits next, JobLimits current) {
        List<Write> writes = writes(job, next, current);
        Map<String, String> before = new LinkedHashMap<>();
        for (Write w : writes) {
            if (!before.containsKey(w.file())) {
                try {
                    before.put(w.file(), fs.read(job.resolve(w.file())));
                } catch (IOException e) {
                    throw new LimitRefusedException(w.limit(), "cgroup2", "cannot read " + job.resolve(w.file()) + " (" + e.getMessage()
                            + "): is its controller enabled for the job?");
                }
            }
        }
        List<Write> done = new ArrayList<>();
        for (Write w : writes) {
            try {
                fs.write(job.resolve(w.file()), w.value());
                done.add(w);
            } catch (IOException e) {
                LimitRefusedException refused = new LimitRefusedException(w.limit(), "cgroup2", "the kernel rejected '" + w.value() + "' for "
                        + job.resolve(w.file()) + " (" + e.getMessage() + ")" + why(job, w) + "; the previous limits are back in force");
                restore(job, done, before, refused);
                throw refused;
            }
        }
    }

    /** The kernel rule a rejected write most likely broke, where one is known. */
    private String why(Path job, Write w) {
        if (w.file().equals("cpuset.cpus")) {
            String parent = Cgroup2Counters.readOrEmpty(fs, job.getParent().resolve("cpuset.cpus.effective")).strip();
            return ": a job's CPUs must be among its parent's (" + job.getParent().resolve("cpuset.cpus.effective") + ": "
                    + (parent.isEmpty() ? "?" : parent) + ")";
        }
        return "";
    }

    private void restore(Path job, List<Write> done, Map<String, String> before, Exception failure) {
        for (int i = done.size() - 1; i >= 0; i--) {
            Write w = done.get(i);
            try {
                for (String value : restoreValues(w, before.get(w.file()))) {
                    fs.write(job.resolve(w.file()), value);
                }
            } catch (IOException e) {
                failure.addSuppressed(new JobException("could not restore " + job.resolve(w.file()) + ": " + e.getMessage(), e));
            }
        }
    }

    /** What puts a written file back: its old content, except io.max, which is written one device line at a time. */
    static List<String> restoreValues(Write w, String before) {
        String old = before.strip();
        if (!w.file().equals("io.max")) {
            return List.of(old);
        }
        String dev = w.value().substring(0, w.value().indexOf(' '));
        for (String line : old.split("\n")) {
            if (line.startsWith(dev + " ")) {
                return List.of(line.strip());
            }
        }
        return List.of(dev + " rbps=max wbps=max riops=max wiops=max");
    }

    private String device(JobLimits l) {
        if (l.ioDevice() == null) {
            throw new LimitRefusedException(Limit.IO_RATE, "cgroup2", "io.max needs a block device: give io-device (e.g. /dev/sda, sda or 8:0)");
        }
        try {
            return deviceNumbers.apply(l.ioDevice());
        } catch (JobException e) {
            throw new LimitRefusedException(Limit.IO_RATE, "cgroup2", e.getMessage());
        }
    }

    private static boolean ioRate(JobLimits l) {
        return l.ioBandwidthBytesPerSec() != null || l.ioIops() != null;
    }

    private static String bytesOrMax(Long v) {
        return v == null ? "max" : Long.toString(v);
    }
}
