package jobgov.windows;

import static jobgov.windows.JobConstants.*;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import jobgov.job.CpuSet;
import jobgov.job.JobLimits;
import jobgov.job.JobTimeAction;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;
import jobgov.job.PriorityClass;
import jobgov.job.UiRestriction;
import jobgov.windows.JobInformation.JOBOBJECT_BASIC_LIMIT_INFORMATION;
import jobgov.windows.JobInformation.JOBOBJECT_BASIC_UI_RESTRICTIONS;
import jobgov.windows.JobInformation.JOBOBJECT_CPU_RATE_CONTROL_INFORMATION;
import jobgov.windows.JobInformation.JOBOBJECT_END_OF_JOB_TIME_INFORMATION;
import jobgov.windows.JobInformation.JOBOBJECT_EXTENDED_LIMIT_INFORMATION;
import jobgov.windows.JobInformation.JOBOBJECT_IO_RATE_CONTROL_INFORMATION;
import jobgov.windows.JobInformation.JOBOBJECT_NET_RATE_CONTROL_INFORMATION;
import jobgov.windows.JobInformation.JOBOBJECT_NOTIFICATION_LIMIT_INFORMATION;
import com.sun.jna.platform.win32.BaseTSD.SIZE_T;
import com.sun.jna.platform.win32.BaseTSD.ULONG_PTR;

/**
 * The model's {@link JobLimits} as Win32 information structures, and back. Pure: no kernel call, so the
 * encoding is tested on any platform. Units: times in 100 ns ticks, CPU rates in 1/100 of a percent of
 * the whole machine (1-10000), CPU weight 1-9, sizes in bytes, affinity as the group-0 mask.
 */
public final class LimitEncoding {
    private LimitEncoding() {
    }

    /** One value per information class; a null member means "this class is not written". */
    public record Encoded(
            JOBOBJECT_EXTENDED_LIMIT_INFORMATION extended,
            JOBOBJECT_END_OF_JOB_TIME_INFORMATION endOfJobTime,
            JOBOBJECT_BASIC_UI_RESTRICTIONS ui,
            JOBOBJECT_CPU_RATE_CONTROL_INFORMATION cpu,
            JOBOBJECT_NET_RATE_CONTROL_INFORMATION net,
            JOBOBJECT_IO_RATE_CONTROL_INFORMATION io,
            JOBOBJECT_NOTIFICATION_LIMIT_INFORMATION notification,
            /** JobObjectGroupInformationEx: GROUP_AFFINITY entries, on a machine with more than one processor group. */
            Memory groupAffinity) {
    }

    /** One processor group of 64 CPUs: the model before processor groups, used where the machine is not asked. */
    static final int[] ONE_GROUP = {64};

    /** Limit flags of the extended class the model encodes; every other bit is kept as the kernel has it. */
    static final int MODELLED_FLAGS = JOB_OBJECT_LIMIT_WORKINGSET | JOB_OBJECT_LIMIT_PROCESS_TIME | JOB_OBJECT_LIMIT_JOB_TIME
            | JOB_OBJECT_LIMIT_ACTIVE_PROCESS | JOB_OBJECT_LIMIT_AFFINITY | JOB_OBJECT_LIMIT_PRIORITY_CLASS
            | JOB_OBJECT_LIMIT_PRESERVE_JOB_TIME | JOB_OBJECT_LIMIT_SCHEDULING_CLASS | JOB_OBJECT_LIMIT_PROCESS_MEMORY
            | JOB_OBJECT_LIMIT_JOB_MEMORY | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION | JOB_OBJECT_LIMIT_BREAKAWAY_OK
            | JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK | JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;

    /**
     * Read-modify-write of the extended class: {@code next} keeps the flags the model does not encode (e.g.
     * SUBSET_AFFINITY set by another holder of the job), and a preserved job time keeps its value.
     */
    static void keepUnmodelled(JOBOBJECT_EXTENDED_LIMIT_INFORMATION now, JOBOBJECT_EXTENDED_LIMIT_INFORMATION next) {
        var n = next.BasicLimitInformation;
        var c = now.BasicLimitInformation;
        n.LimitFlags |= c.LimitFlags & ~MODELLED_FLAGS;
        if ((n.LimitFlags & JOB_OBJECT_LIMIT_PRESERVE_JOB_TIME) != 0) {
            n.PerJobUserTimeLimit = c.PerJobUserTimeLimit;
        }
    }

    static JOBOBJECT_END_OF_JOB_TIME_INFORMATION endOfJobTime(JobTimeAction action) {
        var eoj = new JOBOBJECT_END_OF_JOB_TIME_INFORMATION();
        eoj.EndOfJobTimeAction = action == JobTimeAction.POST ? JOB_OBJECT_POST_AT_END_OF_JOB : JOB_OBJECT_TERMINATE_AT_END_OF_JOB;
        return eoj;
    }

    public static Encoded encode(JobLimits next, JobLimits current) {
        return encode(next, current, ONE_GROUP);
    }

    /** Percent of the machine (0-100] to CpuRate units (1/100 %, 1-10000). */
    public static int cpuRateUnits(double percent) {
        long units = Math.round(percent * 100.0);
        return (int) Math.max(1, Math.min(10_000, units));
    }

    public static double cpuRatePercent(int units) {
        return units / 100.0;
    }

    /** A duration in the 100 ns ticks of LARGE_INTEGER times. */
    public static long ticks(Duration d) {
        long ticks = d.toNanos() / 100;
        return Math.max(1, ticks);
    }

    public static Duration fromTicks(long ticks) {
        return Duration.ofNanos(ticks * 100);
    }

    /**
     * Encodes {@code next}. {@code current} decides what must be cleared (a class it set that
     * {@code next} does not is written with its "off" value) and whether the per-job time limit is kept
     * running (same limit: JOB_OBJECT_LIMIT_PRESERVE_JOB_TIME, which does not restart the job's clock).
     *
     * {@code groups} holds the number of active processors of each processor group: with one group the
     * affinity is the basic limit's mask; with more, CPU n is counted across the groups in order and written
     * as GROUP_AFFINITY entries (JobObjectGroupInformationEx), and no basic affinity is set.
     *
     * @throws LimitRefusedException for values Windows cannot represent (a CPU this machine does not have)
     */
    public static Encoded encode(JobLimits next, JobLimits current, int[] groups) {
        JobLimits cur = current == null ? JobLimits.NONE : current;
        var x = new JOBOBJECT_EXTENDED_LIMIT_INFORMATION();
        JOBOBJECT_BASIC_LIMIT_INFORMATION b = x.BasicLimitInformation;
        int flags = 0;
        if (next.killsOnClose()) {
            flags |= JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        }
        if (next.jobMemoryBytes() != null) {
            flags |= JOB_OBJECT_LIMIT_JOB_MEMORY;
            x.JobMemoryLimit = new SIZE_T(next.jobMemoryBytes());
        }
        if (next.processMemoryBytes() != null) {
            flags |= JOB_OBJECT_LIMIT_PROCESS_MEMORY;
            x.ProcessMemoryLimit = new SIZE_T(next.processMemoryBytes());
        }
        if (next.minWorkingSetBytes() != null) {
            flags |= JOB_OBJECT_LIMIT_WORKINGSET;
            b.MinimumWorkingSetSize = new SIZE_T(next.minWorkingSetBytes());
            b.MaximumWorkingSetSize = new SIZE_T(next.maxWorkingSetBytes());
        }
        if (next.activeProcesses() != null) {
            flags |= JOB_OBJECT_LIMIT_ACTIVE_PROCESS;
            b.ActiveProcessLimit = next.activeProcesses();
        }
        Memory groupAffinity = null;
        if (groups.length > 1) {
            if (next.affinity() != null || cur.affinity() != null) {
                groupAffinity = groupAffinity(next.affinity(), groups);
            }
        } else if (next.affinity() != null) {
            if (next.affinity().highest() > 63) {
                throw new LimitRefusedException(Limit.AFFINITY, "windows",
                        "CPU " + next.affinity().highest() + " is outside processor group 0 (a job's affinity mask covers CPUs 0-63)");
            }
            flags |= JOB_OBJECT_LIMIT_AFFINITY;
            b.Affinity = new ULONG_PTR(next.affinity().mask());
        }
        if (next.priorityClass() != null) {
            flags |= JOB_OBJECT_LIMIT_PRIORITY_CLASS;
            b.PriorityClass = next.priorityClass().win32();
        }
        if (next.schedulingClass() != null) {
            flags |= JOB_OBJECT_LIMIT_SCHEDULING_CLASS;
            b.SchedulingClass = next.schedulingClass();
        }
        if (next.processTime() != null) {
            flags |= JOB_OBJECT_LIMIT_PROCESS_TIME;
            b.PerProcessUserTimeLimit = ticks(next.processTime());
        }
        if (next.jobTime() != null) {
            if (next.jobTime().equals(cur.jobTime())) {
                // Re-setting JOB_TIME would restart the job's user-time clock; keep it running instead.
                flags |= JOB_OBJECT_LIMIT_PRESERVE_JOB_TIME;
            } else {
                flags |= JOB_OBJECT_LIMIT_JOB_TIME;
                b.PerJobUserTimeLimit = ticks(next.jobTime());
            }
        }
        if (Boolean.TRUE.equals(next.dieOnUnhandledException())) {
            flags |= JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
        }
        if (Boolean.TRUE.equals(next.breakawayOk())) {
            flags |= JOB_OBJECT_LIMIT_BREAKAWAY_OK;
        }
        if (Boolean.TRUE.equals(next.silentBreakawayOk())) {
            flags |= JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK;
        }
        b.LimitFlags = flags;

        JOBOBJECT_END_OF_JOB_TIME_INFORMATION eoj = next.jobTime() == null ? null : endOfJobTime(next.jobTimeAction());

        JOBOBJECT_BASIC_UI_RESTRICTIONS ui = null;
        if (next.uiRestrictions() != null || cur.uiRestrictions() != null) {
            ui = new JOBOBJECT_BASIC_UI_RESTRICTIONS();
            if (next.uiRestrictions() != null) {
                for (UiRestriction r : next.uiRestrictions()) {
                    ui.UIRestrictionsClass |= r.win32();
                }
            }
        }

        JOBOBJECT_CPU_RATE_CONTROL_INFORMATION cpu = null;
        if (cpuSet(next) || cpuSet(cur)) {
            cpu = new JOBOBJECT_CPU_RATE_CONTROL_INFORMATION();
            if (next.cpuRatePercent() != null) {
                cpu.ControlFlags = JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP;
                cpu.CpuRate = cpuRateUnits(next.cpuRatePercent());
            } else if (next.cpuWeight() != null) {
                cpu.ControlFlags = JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_WEIGHT_BASED;
                cpu.CpuRate = next.cpuWeight();
            } else if (next.cpuMinPercent() != null || next.cpuMaxPercent() != null) {
                cpu.ControlFlags = JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_MIN_MAX_RATE;
                int min = next.cpuMinPercent() == null ? 0 : cpuRateUnits(next.cpuMinPercent());
                int max = next.cpuMaxPercent() == null ? 10_000 : cpuRateUnits(next.cpuMaxPercent());
                cpu.minMaxRate(min, max);
            }
            // else: ControlFlags 0 turns CPU rate control off
        }

        JOBOBJECT_NET_RATE_CONTROL_INFORMATION net = null;
        if (netSet(next) || netSet(cur)) {
            net = new JOBOBJECT_NET_RATE_CONTROL_INFORMATION();
            if (netSet(next)) {
                net.ControlFlags = JOB_OBJECT_NET_RATE_CONTROL_ENABLE;
                if (next.netBandwidthBytesPerSec() != null) {
                    net.ControlFlags |= JOB_OBJECT_NET_RATE_CONTROL_MAX_BANDWIDTH;
                    net.MaxBandwidth = next.netBandwidthBytesPerSec();
                }
                if (next.netDscp() != null) {
                    net.ControlFlags |= JOB_OBJECT_NET_RATE_CONTROL_DSCP_TAG;
                    net.DscpTag = (byte) (int) next.netDscp();
                }
            }
        }

        JOBOBJECT_IO_RATE_CONTROL_INFORMATION io = null;
        if (ioSet(next) || ioSet(cur)) {
            io = new JOBOBJECT_IO_RATE_CONTROL_INFORMATION();
            // Enabled with zero maxima means "no cap" (how a previous cap is lifted).
            io.ControlFlags = JOB_OBJECT_IO_RATE_CONTROL_ENABLE;
            if (next.ioBandwidthBytesPerSec() != null) {
                io.MaxBandwidth = next.ioBandwidthBytesPerSec();
            }
            if (next.ioIops() != null) {
                io.MaxIops = next.ioIops();
            }
            String volume = ioSet(next) ? next.ioDevice() : cur.ioDevice();
            if (volume != null) {
                Memory name = new Memory((volume.length() + 1L) * Native.WCHAR_SIZE);
                name.setWideString(0, volume);
                io.VolumeName = name;
            }
        }

        JOBOBJECT_NOTIFICATION_LIMIT_INFORMATION n = null;
        if (notifySet(next) || notifySet(cur)) {
            n = new JOBOBJECT_NOTIFICATION_LIMIT_INFORMATION();
            if (next.memoryNotifyBytes() != null) {
                n.LimitFlags |= JOB_OBJECT_LIMIT_JOB_MEMORY;
                n.JobMemoryLimit = next.memoryNotifyBytes();
            }
            if (next.jobTimeNotify() != null) {
                n.LimitFlags |= JOB_OBJECT_LIMIT_JOB_TIME;
                n.PerJobUserTimeLimit = ticks(next.jobTimeNotify());
            }
            if (next.ioReadNotifyBytes() != null) {
                n.LimitFlags |= JOB_OBJECT_LIMIT_JOB_READ_BYTES;
                n.IoReadBytesLimit = next.ioReadNotifyBytes();
            }
            if (next.ioWriteNotifyBytes() != null) {
                n.LimitFlags |= JOB_OBJECT_LIMIT_JOB_WRITE_BYTES;
                n.IoWriteBytesLimit = next.ioWriteNotifyBytes();
            }
        }
        return new Encoded(x, eoj, ui, cpu, net, io, n, groupAffinity);
    }

    /**
     * GROUP_AFFINITY entries for {@code cpus} (null: every processor of every group, which lifts a previous
     * affinity), one per group that has a CPU of the set.
     */
    static Memory groupAffinity(CpuSet cpus, int[] groups) {
        int total = 0;
        for (int g : groups) {
            total += g;
        }
        if (cpus != null && cpus.highest() >= total) {
            throw new LimitRefusedException(Limit.AFFINITY, "windows",
                    "CPU " + cpus.highest() + " does not exist: this machine has " + total + " processors in " + groups.length + " groups");
        }
        long[] masks = new long[groups.length];
        int first = 0;
        for (int g = 0; g < groups.length; g++) {
            for (int bit = 0; bit < groups[g]; bit++) {
                if (cpus == null || cpus.cpus().get(first + bit)) {
                    masks[g] |= 1L << bit;
                }
            }
            first += groups[g];
        }
        int used = 0;
        for (long m : masks) {
            used += m == 0 ? 0 : 1;
        }
        int size = new JobInformation.GROUP_AFFINITY().size();
        Memory out = new Memory((long) size * used);
        out.clear();
        int i = 0;
        for (int g = 0; g < groups.length; g++) {
            if (masks[g] == 0) {
                continue;
            }
            var ga = new JobInformation.GROUP_AFFINITY(out.share((long) size * i++));
            ga.Mask = new ULONG_PTR(masks[g]);
            ga.Group = (short) g;
            ga.write();
        }
        return out;
    }

    /**
     * Reads limits back from the structures (any may be null). The per-job time limit comes back only when
     * the flags carry JOB_OBJECT_LIMIT_JOB_TIME (Windows reports the value it was given).
     */
    public static JobLimits decode(Encoded e) {
        JobLimits.Builder l = JobLimits.builder();
        var x = e.extended();
        if (x != null) {
            var b = x.BasicLimitInformation;
            int f = b.LimitFlags;
            l.killOnClose((f & JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE) != 0);
            if ((f & JOB_OBJECT_LIMIT_JOB_MEMORY) != 0) {
                l.jobMemoryBytes(x.JobMemoryLimit.longValue());
            }
            if ((f & JOB_OBJECT_LIMIT_PROCESS_MEMORY) != 0) {
                l.processMemoryBytes(x.ProcessMemoryLimit.longValue());
            }
            if ((f & JOB_OBJECT_LIMIT_WORKINGSET) != 0) {
                l.workingSetBytes(b.MinimumWorkingSetSize.longValue(), b.MaximumWorkingSetSize.longValue());
            }
            if ((f & JOB_OBJECT_LIMIT_ACTIVE_PROCESS) != 0) {
                l.activeProcesses(b.ActiveProcessLimit);
            }
            if ((f & JOB_OBJECT_LIMIT_AFFINITY) != 0) {
                l.affinity(new CpuSet(java.util.BitSet.valueOf(new long[] {b.Affinity.longValue()})));
            }
            if ((f & JOB_OBJECT_LIMIT_PRIORITY_CLASS) != 0) {
                for (PriorityClass p : PriorityClass.values()) {
                    if (p.win32() == b.PriorityClass) {
                        l.priorityClass(p);
                    }
                }
            }
            if ((f & JOB_OBJECT_LIMIT_SCHEDULING_CLASS) != 0) {
                l.schedulingClass(b.SchedulingClass);
            }
            if ((f & JOB_OBJECT_LIMIT_PROCESS_TIME) != 0) {
                l.processTime(fromTicks(b.PerProcessUserTimeLimit));
            }
            if ((f & JOB_OBJECT_LIMIT_JOB_TIME) != 0) {
                l.jobTime(fromTicks(b.PerJobUserTimeLimit));
                if (e.endOfJobTime() != null) {
                    l.jobTimeAction(e.endOfJobTime().EndOfJobTimeAction == JOB_OBJECT_POST_AT_END_OF_JOB
                            ? JobTimeAction.POST : JobTimeAction.TERMINATE);
                }
            }
            if ((f & JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION) != 0) {
                l.dieOnUnhandledException(true);
            }
            if ((f & JOB_OBJECT_LIMIT_BREAKAWAY_OK) != 0) {
                l.breakawayOk(true);
            }
            if ((f & JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK) != 0) {
                l.silentBreakawayOk(true);
            }
        }
        if (e.ui() != null && e.ui().UIRestrictionsClass != 0) {
            Set<UiRestriction> s = EnumSet.noneOf(UiRestriction.class);
            for (UiRestriction r : UiRestriction.values()) {
                if ((e.ui().UIRestrictionsClass & r.win32()) != 0) {
                    s.add(r);
                }
            }
            l.uiRestrictions(s);
        }
        var cpu = e.cpu();
        if (cpu != null && (cpu.ControlFlags & JOB_OBJECT_CPU_RATE_CONTROL_ENABLE) != 0) {
            if ((cpu.ControlFlags & JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP) != 0) {
                l.cpuRatePercent(cpuRatePercent(cpu.CpuRate));
            } else if ((cpu.ControlFlags & JOB_OBJECT_CPU_RATE_CONTROL_WEIGHT_BASED) != 0) {
                l.cpuWeight(cpu.CpuRate);
            } else if ((cpu.ControlFlags & JOB_OBJECT_CPU_RATE_CONTROL_MIN_MAX_RATE) != 0) {
                l.cpuMinMaxPercent(cpu.minRate() == 0 ? null : cpuRatePercent(cpu.minRate()),
                        cpu.maxRate() == 10_000 ? null : cpuRatePercent(cpu.maxRate()));
            }
        }
        var net = e.net();
        if (net != null && (net.ControlFlags & JOB_OBJECT_NET_RATE_CONTROL_ENABLE) != 0) {
            if ((net.ControlFlags & JOB_OBJECT_NET_RATE_CONTROL_MAX_BANDWIDTH) != 0) {
                l.netBandwidthBytesPerSec(net.MaxBandwidth);
            }
            if ((net.ControlFlags & JOB_OBJECT_NET_RATE_CONTROL_DSCP_TAG) != 0) {
                l.netDscp(net.DscpTag & 0xFF);
            }
        }
        var io = e.io();
        if (io != null && (io.ControlFlags & JOB_OBJECT_IO_RATE_CONTROL_ENABLE) != 0 && (io.MaxBandwidth > 0 || io.MaxIops > 0)) {
            l.ioBandwidthBytesPerSec(io.MaxBandwidth > 0 ? io.MaxBandwidth : null);
            l.ioIops(io.MaxIops > 0 ? io.MaxIops : null);
            l.ioDevice(io.VolumeName == null ? null : io.VolumeName.getWideString(0));
        }
        var n = e.notification();
        if (n != null) {
            if ((n.LimitFlags & JOB_OBJECT_LIMIT_JOB_MEMORY) != 0) {
                l.memoryNotifyBytes(n.JobMemoryLimit);
            }
            if ((n.LimitFlags & JOB_OBJECT_LIMIT_JOB_TIME) != 0) {
                l.jobTimeNotify(fromTicks(n.PerJobUserTimeLimit));
            }
            if ((n.LimitFlags & JOB_OBJECT_LIMIT_JOB_READ_BYTES) != 0) {
                l.ioReadNotifyBytes(n.IoReadBytesLimit);
            }
            if ((n.LimitFlags & JOB_OBJECT_LIMIT_JOB_WRITE_BYTES) != 0) {
                l.ioWriteNotifyBytes(n.IoWriteBytesLimit);
            }
        }
        return l.build();
    }

    private static boolean cpuSet(JobLimits l) {
        return l.cpuRatePercent() != null || l.cpuWeight() != null || l.cpuMinPercent() != null || l.cpuMaxPercent() != null;
    }

    private static boolean netSet(JobLimits l) {
        return l.netBandwidthBytesPerSec() != null || l.netDscp() != null;
    }

    private static boolean ioSet(JobLimits l) {
        return l.ioBandwidthBytesPerSec() != null || l.ioIops() != null;
    }

    private static boolean notifySet(JobLimits l) {
        return l.memoryNotifyBytes() != null || l.jobTimeNotify() != null || l.ioReadNotifyBytes() != null
                || l.ioWriteNotifyBytes() != null;
    }
}
