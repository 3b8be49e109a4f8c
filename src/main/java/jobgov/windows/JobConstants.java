package jobgov.windows;

/**
 * Win32 constants for job objects (winnt.h, jobapi2.h, winbase.h, winerror.h): information classes,
 * limit flags, completion-port messages, rate-control flags, access rights, creation flags and the
 * error codes the backend tells apart. Values are the SDK's; names keep the SDK's spelling so they can
 * be searched for in Microsoft's documentation.
 */
public final class JobConstants {
    private JobConstants() {
    }

    // JOBOBJECTINFOCLASS
    public static final int JobObjectBasicAccountingInformation = 1;
    public static final int JobObjectBasicLimitInformation = 2;
    public static final int JobObjectBasicProcessIdList = 3;
    public static final int JobObjectBasicUIRestrictions = 4;
    public static final int JobObjectSecurityLimitInformation = 5;
    public static final int JobObjectEndOfJobTimeInformation = 6;
    public static final int JobObjectAssociateCompletionPortInformation = 7;
    public static final int JobObjectBasicAndIoAccountingInformation = 8;
    public static final int JobObjectExtendedLimitInformation = 9;
    public static final int JobObjectJobSetInformation = 10;
    public static final int JobObjectGroupInformation = 11;
    public static final int JobObjectNotificationLimitInformation = 12;
    public static final int JobObjectLimitViolationInformation = 13;
    public static final int JobObjectGroupInformationEx = 14;
    public static final int JobObjectCpuRateControlInformation = 15;
    public static final int JobObjectCompletionFilter = 16;
    public static final int JobObjectCompletionCounter = 17;
    public static final int JobObjectMemoryUsageInformation = 28;
    public static final int JobObjectNetRateControlInformation = 32;
    public static final int JobObjectNotificationLimitInformation2 = 33;
    public static final int JobObjectLimitViolationInformation2 = 34;

    // JOB_OBJECT_LIMIT_* (basic and extended limit flags; the last ones are notification-limit flags)
    public static final int JOB_OBJECT_LIMIT_WORKINGSET = 0x00000001;
    public static final int JOB_OBJECT_LIMIT_PROCESS_TIME = 0x00000002;
    public static final int JOB_OBJECT_LIMIT_JOB_TIME = 0x00000004;
    public static final int JOB_OBJECT_LIMIT_ACTIVE_PROCESS = 0x00000008;
    public static final int JOB_OBJECT_LIMIT_AFFINITY = 0x00000010;
    public static final int JOB_OBJECT_LIMIT_PRIORITY_CLASS = 0x00000020;
    public static final int JOB_OBJECT_LIMIT_PRESERVE_JOB_TIME = 0x00000040;
    public static final int JOB_OBJECT_LIMIT_SCHEDULING_CLASS = 0x00000080;
    public static final int JOB_OBJECT_LIMIT_PROCESS_MEMORY = 0x00000100;
    public static final int JOB_OBJECT_LIMIT_JOB_MEMORY = 0x00000200;
    public static final int JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION = 0x00000400;
    public static final int JOB_OBJECT_LIMIT_BREAKAWAY_OK = 0x00000800;
    public static final int JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK = 0x00001000;
    public static final int JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x00002000;
    public static final int JOB_OBJECT_LIMIT_SUBSET_AFFINITY = 0x00004000;
    public static final int JOB_OBJECT_LIMIT_JOB_MEMORY_LOW = 0x00008000;
    public static final int JOB_OBJECT_LIMIT_JOB_READ_BYTES = 0x00010000;
    public static final int JOB_OBJECT_LIMIT_JOB_WRITE_BYTES = 0x00020000;
    public static final int JOB_OBJECT_LIMIT_RATE_CONTROL = 0x00040000;
    public static final int JOB_OBJECT_LIMIT_CPU_RATE_CONTROL = JOB_OBJECT_LIMIT_RATE_CONTROL;
    public static final int JOB_OBJECT_LIMIT_IO_RATE_CONTROL = 0x00080000;
    public static final int JOB_OBJECT_LIMIT_NET_RATE_CONTROL = 0x00100000;

    // JOB_OBJECT_MSG_* (the completion port's "number of bytes" carries the message id)
    public static final int JOB_OBJECT_MSG_END_OF_JOB_TIME = 1;
    public static final int JOB_OBJECT_MSG_END_OF_PROCESS_TIME = 2;
    public static final int JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT = 3;
    public static final int JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO = 4;
    public static final int JOB_OBJECT_MSG_NEW_PROCESS = 6;
    public static final int JOB_OBJECT_MSG_EXIT_PROCESS = 7;
    public static final int JOB_OBJECT_MSG_ABNORMAL_EXIT_PROCESS = 8;
    public static final int JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT = 9;
    public static final int JOB_OBJECT_MSG_JOB_MEMORY_LIMIT = 10;
    public static final int JOB_OBJECT_MSG_NOTIFICATION_LIMIT = 11;
    public static final int JOB_OBJECT_MSG_JOB_CYCLE_TIME_LIMIT = 12;
    public static final int JOB_OBJECT_MSG_SILO_TERMINATED = 13;

    // JOBOBJECT_END_OF_JOB_TIME_INFORMATION.EndOfJobTimeAction
    public static final int JOB_OBJECT_TERMINATE_AT_END_OF_JOB = 0;
    public static final int JOB_OBJECT_POST_AT_END_OF_JOB = 1;

    // JOBOBJECT_CPU_RATE_CONTROL_INFORMATION.ControlFlags
    public static final int JOB_OBJECT_CPU_RATE_CONTROL_ENABLE = 0x1;
    public static final int JOB_OBJECT_CPU_RATE_CONTROL_WEIGHT_BASED = 0x2;
    public static final int JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP = 0x4;
    public static final int JOB_OBJECT_CPU_RATE_CONTROL_NOTIFY = 0x8;
    public static final int JOB_OBJECT_CPU_RATE_CONTROL_MIN_MAX_RATE = 0x10;

    // JOB_OBJECT_NET_RATE_CONTROL_FLAGS
    public static final int JOB_OBJECT_NET_RATE_CONTROL_ENABLE = 0x1;
    public static final int JOB_OBJECT_NET_RATE_CONTROL_MAX_BANDWIDTH = 0x2;
    public static final int JOB_OBJECT_NET_RATE_CONTROL_DSCP_TAG = 0x4;

    // JOB_OBJECT_IO_RATE_CONTROL_FLAGS
    public static final int JOB_OBJECT_IO_RATE_CONTROL_ENABLE = 0x1;
    public static final int JOB_OBJECT_IO_RATE_CONTROL_STANDALONE_VOLUME = 0x2;

    // JOBOBJECT_RATE_CONTROL_TOLERANCE and _INTERVAL
    public static final int ToleranceLow = 1;
    public static final int ToleranceMedium = 2;
    public static final int ToleranceHigh = 3;
    public static final int ToleranceIntervalShort = 1;
    public static final int ToleranceIntervalMedium = 2;
    public static final int ToleranceIntervalLong = 3;

    // Job object access rights
    public static final int JOB_OBJECT_ASSIGN_PROCESS = 0x0001;
    public static final int JOB_OBJECT_SET_ATTRIBUTES = 0x0002;
    public static final int JOB_OBJECT_QUERY = 0x0004;
    public static final int JOB_OBJECT_TERMINATE = 0x0008;
    /** The Windows 8+ SDK value (mingw-w64 still has the older 0x1F001F, without JOB_OBJECT_IMPERSONATE). */
    public static final int JOB_OBJECT_ALL_ACCESS = 0x1F003F;

    // Process access rights
    public static final int PROCESS_TERMINATE = 0x0001;
    public static final int PROCESS_SET_QUOTA = 0x0100;
    public static final int PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
    public static final int SYNCHRONIZE = 0x00100000;

    // CreateProcess flags and attributes
    public static final int CREATE_SUSPENDED = 0x00000004;
    public static final int CREATE_UNICODE_ENVIRONMENT = 0x00000400;
    public static final int EXTENDED_STARTUPINFO_PRESENT = 0x00080000;
    public static final int CREATE_BREAKAWAY_FROM_JOB = 0x01000000;
    public static final int CREATE_NO_WINDOW = 0x08000000;
    public static final int STARTF_USESTDHANDLES = 0x00000100;
    /** ProcThreadAttributeValue(ProcThreadAttributeHandleList = 2, FALSE, TRUE, FALSE). */
    public static final long PROC_THREAD_ATTRIBUTE_HANDLE_LIST = 0x00020002L;
    /** ProcThreadAttributeValue(ProcThreadAttributeJobList = 13, FALSE, TRUE, FALSE); Windows 10+. */
    public static final long PROC_THREAD_ATTRIBUTE_JOB_LIST = 0x0002000DL;
    public static final int HANDLE_FLAG_INHERIT = 0x1;
    public static final int STD_INPUT_HANDLE = -10;
    public static final int STD_OUTPUT_HANDLE = -11;
    public static final int STD_ERROR_HANDLE = -12;

    // Waits and files
    public static final int INFINITE = 0xFFFFFFFF;
    public static final int WAIT_OBJECT_0 = 0;
    public static final int WAIT_TIMEOUT = 258;
    public static final int STILL_ACTIVE = 259;
    public static final int GENERIC_READ = 0x80000000;
    public static final int GENERIC_WRITE = 0x40000000;
    public static final int FILE_APPEND_DATA = 0x0004;
    public static final int FILE_SHARE_READ = 0x1;
    public static final int FILE_SHARE_WRITE = 0x2;
    public static final int FILE_SHARE_DELETE = 0x4;
    public static final int CREATE_ALWAYS = 2;
    public static final int OPEN_EXISTING = 3;
    public static final int OPEN_ALWAYS = 4;

    // winerror.h
    public static final int ERROR_SUCCESS = 0;
    public static final int ERROR_FILE_NOT_FOUND = 2;
    public static final int ERROR_ACCESS_DENIED = 5;
    public static final int ERROR_INVALID_HANDLE = 6;
    public static final int ERROR_NOT_SUPPORTED = 50;
    public static final int ERROR_INVALID_PARAMETER = 87;
    public static final int ERROR_BROKEN_PIPE = 109;
    public static final int ERROR_INSUFFICIENT_BUFFER = 122;
    public static final int ERROR_ALREADY_EXISTS = 183;
    public static final int ERROR_MORE_DATA = 234;
    public static final int ERROR_ABANDONED_WAIT_0 = 735;
    public static final int ERROR_NOT_ALL_ASSIGNED = 1300;
    public static final int ERROR_PRIVILEGE_NOT_HELD = 1314;
    public static final int ERROR_NOT_ENOUGH_QUOTA = 1816;

    /** A short name for the error codes the backend meets, for messages. */
    public static String errorName(int code) {
        return switch (code) {
            case ERROR_SUCCESS -> "ERROR_SUCCESS";
            case ERROR_FILE_NOT_FOUND -> "ERROR_FILE_NOT_FOUND";
            case ERROR_ACCESS_DENIED -> "ERROR_ACCESS_DENIED";
            case ERROR_INVALID_HANDLE -> "ERROR_INVALID_HANDLE";
            case ERROR_NOT_SUPPORTED -> "ERROR_NOT_SUPPORTED";
            case ERROR_INVALID_PARAMETER -> "ERROR_INVALID_PARAMETER";
            case ERROR_BROKEN_PIPE -> "ERROR_BROKEN_PIPE";
            case ERROR_INSUFFICIENT_BUFFER -> "ERROR_INSUFFICIENT_BUFFER";
            case ERROR_ALREADY_EXISTS -> "ERROR_ALREADY_EXISTS";
            case ERROR_MORE_DATA -> "ERROR_MORE_DATA";
            case ERROR_ABANDONED_WAIT_0 -> "ERROR_ABANDONED_WAIT_0";
            case ERROR_PRIVILEGE_NOT_HELD -> "ERROR_PRIVILEGE_NOT_HELD";
            case ERROR_NOT_ENOUGH_QUOTA -> "ERROR_NOT_ENOUGH_QUOTA";
            default -> "Win32 error";
        };
    }
}
