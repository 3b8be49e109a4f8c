package jobgov.windows;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.platform.win32.BaseTSD.SIZE_T;
import com.sun.jna.platform.win32.BaseTSD.ULONG_PTR;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.platform.win32.WinNT.IO_COUNTERS;
import java.util.List;

/**
 * The Win32 structures of the job API, field for field as in winnt.h / winbase.h (names kept, so the
 * layout test can compare every offset with the mingw-w64 compiler's). SIZE_T and ULONG_PTR are
 * jna-platform's pointer-sized {@link SIZE_T}/{@link ULONG_PTR} (never NativeLong, which is 32 bits on
 * Win64); LARGE_INTEGER and DWORD64 are {@code long}; DWORD and enums are {@code int}. Win64 sizes:
 * BASIC_LIMIT 64, EXTENDED_LIMIT 144, BASIC_ACCOUNTING 48, IO_COUNTERS 48, BASIC_AND_IO 96,
 * NOTIFICATION_LIMIT 48, LIMIT_VIOLATION 80.
 */
public final class JobInformation {
    private JobInformation() {
    }

    /** Base of the job structures: exposes field offsets for the layout test. */
    public abstract static class JobStructure extends Structure {
        protected JobStructure() {
        }

        protected JobStructure(Pointer p) {
            super(p);
        }

        public int offsetOf(String field) {
            return fieldOffset(field);
        }
    }

    @Structure.FieldOrder({"PerProcessUserTimeLimit", "PerJobUserTimeLimit", "LimitFlags", "MinimumWorkingSetSize",
            "MaximumWorkingSetSize", "ActiveProcessLimit", "Affinity", "PriorityClass", "SchedulingClass"})
    public static class JOBOBJECT_BASIC_LIMIT_INFORMATION extends JobStructure {
        /** 100 ns ticks. */
        public long PerProcessUserTimeLimit;
        /** 100 ns ticks. */
        public long PerJobUserTimeLimit;
        public int LimitFlags;
        public SIZE_T MinimumWorkingSetSize = new SIZE_T();
        public SIZE_T MaximumWorkingSetSize = new SIZE_T();
        public int ActiveProcessLimit;
        public ULONG_PTR Affinity = new ULONG_PTR();
        public int PriorityClass;
        public int SchedulingClass;
    }

    @Structure.FieldOrder({"BasicLimitInformation", "IoInfo", "ProcessMemoryLimit", "JobMemoryLimit",
            "PeakProcessMemoryUsed", "PeakJobMemoryUsed"})
    public static class JOBOBJECT_EXTENDED_LIMIT_INFORMATION extends JobStructure {
        public JOBOBJECT_BASIC_LIMIT_INFORMATION BasicLimitInformation = new JOBOBJECT_BASIC_LIMIT_INFORMATION();
        /** Reserved in this class; jna-platform's IO_COUNTERS. */
        public IO_COUNTERS IoInfo = new IO_COUNTERS();
        public SIZE_T ProcessMemoryLimit = new SIZE_T();
        public SIZE_T JobMemoryLimit = new SIZE_T();
        public SIZE_T PeakProcessMemoryUsed = new SIZE_T();
        public SIZE_T PeakJobMemoryUsed = new SIZE_T();
    }

    @Structure.FieldOrder({"TotalUserTime", "TotalKernelTime", "ThisPeriodTotalUserTime", "ThisPeriodTotalKernelTime",
            "TotalPageFaultCount", "TotalProcesses", "ActiveProcesses", "TotalTerminatedProcesses"})
    public static class JOBOBJECT_BASIC_ACCOUNTING_INFORMATION extends JobStructure {
        public long TotalUserTime;
        public long TotalKernelTime;
        public long ThisPeriodTotalUserTime;
        public long ThisPeriodTotalKernelTime;
        public int TotalPageFaultCount;
        public int TotalProcesses;
        public int ActiveProcesses;
        public int TotalTerminatedProcesses;
    }

    @Structure.FieldOrder({"BasicInfo", "IoInfo"})
    public static class JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION extends JobStructure {
        public JOBOBJECT_BASIC_ACCOUNTING_INFORMATION BasicInfo = new JOBOBJECT_BASIC_ACCOUNTING_INFORMATION();
        public IO_COUNTERS IoInfo = new IO_COUNTERS();
    }

    /** Variable length: {@code ProcessIdList} holds {@code capacity} entries. */
    @Structure.FieldOrder({"NumberOfAssignedProcesses", "NumberOfProcessIdsInList", "ProcessIdList"})
    public static class JOBOBJECT_BASIC_PROCESS_ID_LIST extends JobStructure {
        public int NumberOfAssignedProcesses;
        public int NumberOfProcessIdsInList;
        public ULONG_PTR[] ProcessIdList;

        public JOBOBJECT_BASIC_PROCESS_ID_LIST() {
            this(1);
        }

        public JOBOBJECT_BASIC_PROCESS_ID_LIST(int capacity) {
            ProcessIdList = new ULONG_PTR[Math.max(1, capacity)];
            for (int i = 0; i < ProcessIdList.length; i++) {
                ProcessIdList[i] = new ULONG_PTR();
            }
            allocateMemory();
        }

        public int capacity() {
            return ProcessIdList.length;
        }
    }

    @Structure.FieldOrder({"UIRestrictionsClass"})
    public static class JOBOBJECT_BASIC_UI_RESTRICTIONS extends JobStructure {
        public int UIRestrictionsClass;
    }

    @Structure.FieldOrder({"EndOfJobTimeAction"})
    public static class JOBOBJECT_END_OF_JOB_TIME_INFORMATION extends JobStructure {
        public int EndOfJobTimeAction;
    }

    @Structure.FieldOrder({"CompletionKey", "CompletionPort"})
    public static class JOBOBJECT_ASSOCIATE_COMPLETION_PORT extends JobStructure {
        public Pointer CompletionKey;
        public HANDLE CompletionPort;
    }

    @Structure.FieldOrder({"IoReadBytesLimit", "IoWriteBytesLimit", "PerJobUserTimeLimit", "JobMemoryLimit",
            "RateControlTolerance", "RateControlToleranceInterval", "LimitFlags"})
    public static class JOBOBJECT_NOTIFICATION_LIMIT_INFORMATION extends JobStructure {
        public long IoReadBytesLimit;
        public long IoWriteBytesLimit;
        /** 100 ns ticks. */
        public long PerJobUserTimeLimit;
        public long JobMemoryLimit;
        public int RateControlTolerance;
        public int RateControlToleranceInterval;
        public int LimitFlags;
    }

    @Structure.FieldOrder({"LimitFlags", "ViolationLimitFlags", "IoReadBytes", "IoReadBytesLimit", "IoWriteBytes",
            "IoWriteBytesLimit", "PerJobUserTime", "PerJobUserTimeLimit", "JobMemory", "JobMemoryLimit",
            "RateControlTolerance", "RateControlToleranceLimit"})
    public static class JOBOBJECT_LIMIT_VIOLATION_INFORMATION extends JobStructure {
        public int LimitFlags;
        public int ViolationLimitFlags;
        public long IoReadBytes;
        public long IoReadBytesLimit;
        public long IoWriteBytes;
        public long IoWriteBytesLimit;
        public long PerJobUserTime;
        public long PerJobUserTimeLimit;
        public long JobMemory;
        public long JobMemoryLimit;
        public int RateControlTolerance;
        public int RateControlToleranceLimit;
    }

    /**
     * {@code CpuRate} is the SDK's union: CpuRate (hard cap, 1/100 %), Weight (1-9), or MinRate in the
     * low WORD and MaxRate in the high WORD (1/100 %; Win64 is little-endian).
     */
    @Structure.FieldOrder({"ControlFlags", "CpuRate"})
    public static class JOBOBJECT_CPU_RATE_CONTROL_INFORMATION extends JobStructure {
        public int ControlFlags;
        public int CpuRate;

        public int minRate() {
            return CpuRate & 0xFFFF;
        }

        public int maxRate() {
            return CpuRate >>> 16;
        }

        public void minMaxRate(int min, int max) {
            CpuRate = (min & 0xFFFF) | (max << 16);
        }
    }

    @Structure.FieldOrder({"MaxBandwidth", "ControlFlags", "DscpTag"})
    public static class JOBOBJECT_NET_RATE_CONTROL_INFORMATION extends JobStructure {
        /** Bytes per second. */
        public long MaxBandwidth;
        public int ControlFlags;
        public byte DscpTag;
    }

    @Structure.FieldOrder({"MaxIops", "MaxBandwidth", "ReservationIops", "VolumeName", "BaseIoSize", "ControlFlags"})
    public static class JOBOBJECT_IO_RATE_CONTROL_INFORMATION extends JobStructure {
        public long MaxIops;
        public long MaxBandwidth;
        public long ReservationIops;
        /** PCWSTR; null = every volume. */
        public Pointer VolumeName;
        public int BaseIoSize;
        public int ControlFlags;

        public JOBOBJECT_IO_RATE_CONTROL_INFORMATION() {
        }

        public JOBOBJECT_IO_RATE_CONTROL_INFORMATION(Pointer p) {
            super(p);
            read();
        }
    }

    /** STARTUPINFOW flattened, then the attribute list pointer (STARTUPINFOEXW). */
    @Structure.FieldOrder({"cb", "lpReserved", "lpDesktop", "lpTitle", "dwX", "dwY", "dwXSize", "dwYSize",
            "dwXCountChars", "dwYCountChars", "dwFillAttribute", "dwFlags", "wShowWindow", "cbReserved2",
            "lpReserved2", "hStdInput", "hStdOutput", "hStdError", "lpAttributeList"})
    public static class STARTUPINFOEXW extends JobStructure {
        public int cb;
        public Pointer lpReserved;
        public Pointer lpDesktop;
        public Pointer lpTitle;
        public int dwX;
        public int dwY;
        public int dwXSize;
        public int dwYSize;
        public int dwXCountChars;
        public int dwYCountChars;
        public int dwFillAttribute;
        public int dwFlags;
        public short wShowWindow;
        public short cbReserved2;
        public Pointer lpReserved2;
        public HANDLE hStdInput;
        public HANDLE hStdOutput;
        public HANDLE hStdError;
        public Pointer lpAttributeList;

        public STARTUPINFOEXW() {
            cb = size();
        }
    }

    /** JobObjectMemoryUsageInformation (class 28): the job's committed memory now and its peak. */
    @Structure.FieldOrder({"JobMemory", "PeakJobMemoryUsed"})
    public static class JOBOBJECT_MEMORY_USAGE_INFORMATION extends JobStructure {
        public long JobMemory;
        public long PeakJobMemoryUsed;
    }

    /** One processor group's share of an affinity (JobObjectGroupInformationEx is an array of these). */
    @Structure.FieldOrder({"Mask", "Group", "Reserved"})
    public static class GROUP_AFFINITY extends JobStructure {
        public ULONG_PTR Mask = new ULONG_PTR();
        public short Group;
        public short[] Reserved = new short[3];

        public GROUP_AFFINITY() {
        }

        GROUP_AFFINITY(Pointer p) {
            super(p);
        }
    }

    /** Every structure above, for the layout test. */
    public static List<Class<? extends JobStructure>> all() {
        return List.of(JOBOBJECT_BASIC_LIMIT_INFORMATION.class, JOBOBJECT_EXTENDED_LIMIT_INFORMATION.class,
                JOBOBJECT_BASIC_ACCOUNTING_INFORMATION.class, JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION.class,
                JOBOBJECT_BASIC_PROCESS_ID_LIST.class, JOBOBJECT_BASIC_UI_RESTRICTIONS.class,
                JOBOBJECT_END_OF_JOB_TIME_INFORMATION.class, JOBOBJECT_ASSOCIATE_COMPLETION_PORT.class,
                JOBOBJECT_NOTIFICATION_LIMIT_INFORMATION.class, JOBOBJECT_LIMIT_VIOLATION_INFORMATION.class,
                JOBOBJECT_CPU_RATE_CONTROL_INFORMATION.class, JOBOBJECT_NET_RATE_CONTROL_INFORMATION.class,
                JOBOBJECT_IO_RATE_CONTROL_INFORMATION.class, STARTUPINFOEXW.class,
                JOBOBJECT_MEMORY_USAGE_INFORMATION.class, GROUP_AFFINITY.class);
    }
}
