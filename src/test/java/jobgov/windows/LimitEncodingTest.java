package jobgov.windows;

import static jobgov.windows.JobConstants.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.EnumSet;
import jobgov.job.CpuSet;
import jobgov.job.JobLimits;
import jobgov.job.JobTimeAction;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;
import jobgov.job.LimitSpec;
import jobgov.job.PriorityClass;
import jobgov.job.UiRestriction;
import org.junit.jupiter.api.Test;

/** JobLimits to Win32 structures and back (pure encoding: no kernel involved). */
class LimitEncodingTest {

    @Test
    void cpuPercentIsHundredthsOfAPercentOfTheMachine() {
        assertEquals(2500, LimitEncoding.cpuRateUnits(25));
        assertEquals(1250, LimitEncoding.cpuRateUnits(12.5));
        assertEquals(10_000, LimitEncoding.cpuRateUnits(100));
        assertEquals(1, LimitEncoding.cpuRateUnits(0.001), "never 0, which Windows rejects");
        assertEquals(12.5, LimitEncoding.cpuRatePercent(1250));
        assertEquals(0.01, LimitEncoding.cpuRatePercent(1));
    }

    @Test
    void basicAndExtendedLimitsSetTheirFlagsAndFields() {
        JobLimits l = JobLimits.builder()
                .jobMemoryBytes(256L << 20).processMemoryBytes(64L << 20).workingSetBytes(1L << 20, 8L << 20)
                .activeProcesses(32).affinity(CpuSet.parse("0-1,3")).priorityClass(PriorityClass.BELOW_NORMAL)
                .schedulingClass(3).processTime(Duration.ofSeconds(2)).jobTime(Duration.ofMinutes(1))
                .jobTimeAction(JobTimeAction.POST).dieOnUnhandledException(true).breakawayOk(true).silentBreakawayOk(true)
                .build();
        var e = LimitEncoding.encode(l, JobLimits.NONE);
        var b = e.extended().BasicLimitInformation;
        int expected = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_JOB_MEMORY | JOB_OBJECT_LIMIT_PROCESS_MEMORY
                | JOB_OBJECT_LIMIT_WORKINGSET | JOB_OBJECT_LIMIT_ACTIVE_PROCESS | JOB_OBJECT_LIMIT_AFFINITY
                | JOB_OBJECT_LIMIT_PRIORITY_CLASS | JOB_OBJECT_LIMIT_SCHEDULING_CLASS | JOB_OBJECT_LIMIT_PROCESS_TIME
                | JOB_OBJECT_LIMIT_JOB_TIME | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION | JOB_OBJECT_LIMIT_BREAKAWAY_OK
                | JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK;
        assertEquals(Integer.toHexString(expected), Integer.toHexString(b.LimitFlags));
        assertEquals(256L << 20, e.extended().JobMemoryLimit.longValue());
        assertEquals(64L << 20, e.extended().ProcessMemoryLimit.longValue());
        assertEquals(1L << 20, b.MinimumWorkingSetSize.longValue());
        assertEquals(8L << 20, b.MaximumWorkingSetSize.longValue());
        assertEquals(32, b.ActiveProcessLimit);
        assertEquals(0b1011, b.Affinity.longValue());
        assertEquals(0x4000, b.PriorityClass);
        assertEquals(3, b.SchedulingClass);
        assertEquals(20_000_000L, b.PerProcessUserTimeLimit, "2 s in 100 ns ticks");
        assertEquals(600_000_000L, b.PerJobUserTimeLimit);
        assertEquals(JOB_OBJECT_POST_AT_END_OF_JOB, e.endOfJobTime().EndOfJobTimeAction);
        assertNull(e.cpu(), "no CPU class written when neither side has one");
        assertNull(e.net());
        assertNull(e.io());
        assertNull(e.notification());
        assertNull(e.ui());
        assertEquals(l, LimitEncoding.decode(e).toBuilder().killOnClose(null).build().toBuilder()
                .killOnClose(l.killOnClose()).build());
    }

    @Test
    void killOnCloseIsOnUnlessTurnedOff() {
        assertEquals(JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
                LimitEncoding.encode(JobLimits.NONE, null).extended().BasicLimitInformation.LimitFlags);
        assertEquals(0, LimitEncoding.encode(JobLimits.builder().killOnClose(false).build(), null)
                .extended().BasicLimitInformation.LimitFlags);
    }

    @Test
    void anUnchangedJobTimeIsPreservedSoTheJobsClockKeepsRunning() {
        JobLimits before = LimitSpec.apply("job-time=1m", JobLimits.NONE);
        JobLimits after = LimitSpec.apply("memory=64m", before);
        int flags = LimitEncoding.encode(after, before).extended().BasicLimitInformation.LimitFlags;
        assertEquals(JOB_OBJECT_LIMIT_PRESERVE_JOB_TIME, flags & (JOB_OBJECT_LIMIT_PRESERVE_JOB_TIME | JOB_OBJECT_LIMIT_JOB_TIME));
        JobLimits longer = LimitSpec.apply("job-time=2m", before);
        flags = LimitEncoding.encode(longer, before).extended().BasicLimitInformation.LimitFlags;
        assertEquals(JOB_OBJECT_LIMIT_JOB_TIME, flags & (JOB_OBJECT_LIMIT_PRESERVE_JOB_TIME | JOB_OBJECT_LIMIT_JOB_TIME));
    }

    @Test
    void eachCpuRateModeHasItsControlFlagsAndValue() {
        var hard = LimitEncoding.encode(JobLimits.builder().cpuRatePercent(25.0).build(), null).cpu();
        assertEquals(JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP, hard.ControlFlags);
        assertEquals(2500, hard.CpuRate);

        var weight = LimitEncoding.encode(JobLimits.builder().cpuWeight(7).build(), null).cpu();
        assertEquals(JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_WEIGHT_BASED, weight.ControlFlags);
        assertEquals(7, weight.CpuRate);

        var minMax = LimitEncoding.encode(JobLimits.builder().cpuMinMaxPercent(10.0, 60.5).build(), null).cpu();
        assertEquals(JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_MIN_MAX_RATE, minMax.ControlFlags);
        assertEquals(1000, minMax.minRate());
        assertEquals(6050, minMax.maxRate());

        var maxOnly = LimitEncoding.encode(JobLimits.builder().cpuMinMaxPercent(null, 50.0).build(), null).cpu();
        assertEquals(0, maxOnly.minRate());
        assertEquals(5000, maxOnly.maxRate());

        for (JobLimits l : new JobLimits[] {JobLimits.builder().cpuRatePercent(25.0).build(),
                JobLimits.builder().cpuWeight(7).build(), JobLimits.builder().cpuMinMaxPercent(10.0, 60.5).build()}) {
            var decoded = LimitEncoding.decode(LimitEncoding.encode(l, null));
            assertEquals(l.cpuRatePercent(), decoded.cpuRatePercent());
            assertEquals(l.cpuWeight(), decoded.cpuWeight());
            assertEquals(l.cpuMinPercent(), decoded.cpuMinPercent());
            assertEquals(l.cpuMaxPercent(), decoded.cpuMaxPercent());
        }
    }

    @Test
    void aClassTheNewLimitsDropIsWrittenSwitchedOff() {
        JobLimits before = JobLimits.builder().cpuRatePercent(50.0).netDscp(10).memoryNotifyBytes(1L << 30)
                .uiRestrictions(EnumSet.of(UiRestriction.DESKTOP)).ioIops(100L).build();
        var e = LimitEncoding.encode(JobLimits.NONE, before);
        assertEquals(0, e.cpu().ControlFlags);
        assertEquals(0, e.net().ControlFlags);
        assertEquals(0, e.notification().LimitFlags);
        assertEquals(0, e.ui().UIRestrictionsClass);
        assertEquals(0, e.io().MaxIops);
        assertEquals(0, e.io().MaxBandwidth);
    }

    @Test
    void windowsOnlyLimitsEncode() {
        JobLimits l = JobLimits.builder()
                .uiRestrictions(EnumSet.of(UiRestriction.READ_CLIPBOARD, UiRestriction.WRITE_CLIPBOARD, UiRestriction.EXIT_WINDOWS))
                .netBandwidthBytesPerSec(1_000_000L).netDscp(46)
                .ioBandwidthBytesPerSec(10L << 20).ioIops(500L).ioDevice("C:")
                .memoryNotifyBytes(512L << 20).jobTimeNotify(Duration.ofSeconds(30))
                .ioReadNotifyBytes(1L << 30).ioWriteNotifyBytes(2L << 30).build();
        var e = LimitEncoding.encode(l, null);
        assertEquals(0x2 | 0x4 | 0x80, e.ui().UIRestrictionsClass);
        assertEquals(JOB_OBJECT_NET_RATE_CONTROL_ENABLE | JOB_OBJECT_NET_RATE_CONTROL_MAX_BANDWIDTH | JOB_OBJECT_NET_RATE_CONTROL_DSCP_TAG,
                e.net().ControlFlags);
        assertEquals(1_000_000L, e.net().MaxBandwidth);
        assertEquals(46, e.net().DscpTag);
        assertEquals(JOB_OBJECT_IO_RATE_CONTROL_ENABLE, e.io().ControlFlags);
        assertEquals(10L << 20, e.io().MaxBandwidth);
        assertEquals(500, e.io().MaxIops);
        assertEquals("C:", e.io().VolumeName.getWideString(0));
        var n = e.notification();
        assertEquals(JOB_OBJECT_LIMIT_JOB_MEMORY | JOB_OBJECT_LIMIT_JOB_TIME | JOB_OBJECT_LIMIT_JOB_READ_BYTES
                | JOB_OBJECT_LIMIT_JOB_WRITE_BYTES, n.LimitFlags);
        assertEquals(512L << 20, n.JobMemoryLimit);
        assertEquals(300_000_000L, n.PerJobUserTimeLimit);
        assertEquals(1L << 30, n.IoReadBytesLimit);
        assertEquals(2L << 30, n.IoWriteBytesLimit);
        JobLimits back = LimitEncoding.decode(e);
        assertEquals(l.uiRestrictions(), back.uiRestrictions());
        assertEquals(l.netBandwidthBytesPerSec(), back.netBandwidthBytesPerSec());
        assertEquals(l.netDscp(), back.netDscp());
        assertEquals(l.ioIops(), back.ioIops());
        assertEquals(l.ioDevice(), back.ioDevice());
        assertEquals(l.jobTimeNotify(), back.jobTimeNotify());
        assertEquals(l.ioWriteNotifyBytes(), back.ioWriteNotifyBytes());
    }

    @Test
    void affinityBeyondProcessorGroupZeroIsRefusedNamingTheLimit() {
        var e = assertThrows(LimitRefusedException.class,
                () -> LimitEncoding.encode(JobLimits.builder().affinity(CpuSet.parse("0,64")).build(), null));
        assertEquals(Limit.AFFINITY, e.limit());
        assertTrue(e.getMessage().contains("windows"), e.getMessage());
    }
}
