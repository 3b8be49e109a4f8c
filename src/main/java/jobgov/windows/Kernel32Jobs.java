package jobgov.windows;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.WString;
import com.sun.jna.platform.win32.BaseTSD.SIZE_T;
import com.sun.jna.platform.win32.BaseTSD.ULONG_PTR;
import com.sun.jna.platform.win32.BaseTSD.ULONG_PTRByReference;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.platform.win32.WinNT.HANDLEByReference;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The kernel32 functions the Windows backend calls: the Job Object API (which jna-platform does not
 * map), and the completion-port, process, pipe and file calls it needs, declared with jna-platform's
 * types ({@link HANDLE}, {@link ULONG_PTR}, {@link WinBase.PROCESS_INFORMATION}) and signatures.
 *
 * <p>It extends {@link Library}, not {@code StdCallLibrary}: Win64 has a single calling convention,
 * and a plain library loads the gcc-built stand-in {@code libkernel32.so} on Linux x64 through this
 * very interface. Wide-character functions are named with their {@code W} suffix, so no type mapper
 * is needed. Every {@code boolean} maps Win32 {@code BOOL} (4 bytes). Information structures are
 * passed as {@link Pointer}s ({@code structure.getPointer()} after {@code write()}), so one signature
 * serves every information class.
 *
 * <p>Not thread-bound: JNA preserves the last error per thread right after each call, read with
 * {@link #lastError()}.
 */
public interface Kernel32Jobs extends Library {

    /** Loads kernel32 on first use only: the Linux build and backends never touch it. */
    final class Loader {
        private static volatile Kernel32Jobs kernel32;

        private Loader() {
        }

        static Kernel32Jobs kernel32() {
            Kernel32Jobs k = kernel32;
            if (k == null) {
                synchronized (Loader.class) {
                    if (kernel32 == null) {
                        kernel32 = Native.load("kernel32", Kernel32Jobs.class);
                    }
                    k = kernel32;
                }
            }
            return k;
        }
    }

    /** The real kernel32 (Windows only), loaded on the first call. */
    static Kernel32Jobs kernel32() {
        return Loader.kernel32();
    }

    /** GetLastError() as JNA saved it right after this thread's last native call. */
    default int lastError() {
        return Native.getLastError();
    }

    /**
     * Enables {@code privilege} (e.g. SeIncreaseBasePriorityPrivilege) in this process's token through
     * advapi32 (jna-platform). Holding a privilege is not enough: the kernel checks that it is enabled.
     * Returns ERROR_SUCCESS, ERROR_NOT_ALL_ASSIGNED when the account does not hold it, or the failing
     * call's error.
     */
    default int enablePrivilege(String privilege) {
        com.sun.jna.platform.win32.Advapi32 advapi;
        try {
            advapi = com.sun.jna.platform.win32.Advapi32.INSTANCE;
        } catch (LinkageError notWindows) {
            // Only off Windows (the stand-in kernel32 on Linux): nothing to enable, SetInformationJobObject decides.
            return JobConstants.ERROR_SUCCESS;
        }
        HANDLEByReference token = new HANDLEByReference();
        if (!advapi.OpenProcessToken(GetCurrentProcess(), com.sun.jna.platform.win32.WinNT.TOKEN_ADJUST_PRIVILEGES
                | com.sun.jna.platform.win32.WinNT.TOKEN_QUERY, token)) {
            return Native.getLastError();
        }
        try {
            var luid = new com.sun.jna.platform.win32.WinNT.LUID();
            if (!advapi.LookupPrivilegeValue(null, privilege, luid)) {
                return Native.getLastError();
            }
            var tp = new com.sun.jna.platform.win32.WinNT.TOKEN_PRIVILEGES(1);
            tp.Privileges[0] = new com.sun.jna.platform.win32.WinNT.LUID_AND_ATTRIBUTES(luid,
                    new com.sun.jna.platform.win32.WinDef.DWORD(com.sun.jna.platform.win32.WinNT.SE_PRIVILEGE_ENABLED));
            if (!advapi.AdjustTokenPrivileges(token.getValue(), false, tp, 0, null, null)) {
                return Native.getLastError();
            }
            // Success with ERROR_NOT_ALL_ASSIGNED means the token does not hold the privilege at all.
            return Native.getLastError();
        } finally {
            CloseHandle(token.getValue());
        }
    }

    /** The Windows build number (10240 is Windows 10 1507, 14393 is 1607), or 0 when unknown. */
    default int windowsBuild() {
        // OSVERSIONINFOEXW: 284 bytes, dwOSVersionInfoSize first, dwBuildNumber at 12. The JDK's launcher
        // manifest declares Windows 10, so the answer is not capped at Windows 8.
        com.sun.jna.Memory v = new com.sun.jna.Memory(284);
        v.clear();
        v.setInt(0, 284);
        return GetVersionExW(v) ? v.getInt(12) : 0;
    }

    boolean GetVersionExW(Pointer osVersionInfoEx);

    // ---- Job objects (jobapi2.h) ----

    HANDLE CreateJobObjectW(Pointer securityAttributes, WString name);

    HANDLE OpenJobObjectW(int desiredAccess, boolean inheritHandle, WString name);

    boolean AssignProcessToJobObject(HANDLE job, HANDLE process);

    boolean TerminateJobObject(HANDLE job, int exitCode);

    boolean IsProcessInJob(HANDLE process, HANDLE job, IntByReference result);

    boolean SetInformationJobObject(HANDLE job, int infoClass, Pointer info, int infoLength);

    boolean QueryInformationJobObject(HANDLE job, int infoClass, Pointer info, int infoLength, IntByReference returnLength);

    /** Windows 10 1607+; returns nonzero on success. */
    int SetIoRateControlInformationJobObject(HANDLE job, Pointer ioRateControlInfo);

    /** Windows 10 1607+; the blocks are allocated by the system and freed with {@link #FreeMemoryJobObject}. */
    int QueryIoRateControlInformationJobObject(HANDLE job, WString volumeName, PointerByReference infoBlocks, IntByReference infoBlockCount);

    void FreeMemoryJobObject(Pointer buffer);

    // ---- Completion ports (jna-platform's signatures) ----

    HANDLE CreateIoCompletionPort(HANDLE fileHandle, HANDLE existingCompletionPort, Pointer completionKey, int numberOfConcurrentThreads);

    boolean GetQueuedCompletionStatus(HANDLE completionPort, IntByReference numberOfBytes, ULONG_PTRByReference completionKey,
            PointerByReference overlapped, int milliseconds);

    boolean PostQueuedCompletionStatus(HANDLE completionPort, int numberOfBytes, Pointer completionKey, Pointer overlapped);

    // ---- Processors and consoles ----

    /** Processor groups on this machine (1 up to 64 logical processors per group). */
    short GetActiveProcessorGroupCount();

    int GetActiveProcessorCount(short groupNumber);

    /** The console window of this process, or null when it has none (a service, javaw). */
    Pointer GetConsoleWindow();

    // ---- Processes and handles ----

    boolean CloseHandle(HANDLE handle);

    HANDLE GetCurrentProcess();

    int GetCurrentProcessId();

    int GetProcessId(HANDLE process);

    HANDLE OpenProcess(int desiredAccess, boolean inheritHandle, int processId);

    boolean GetExitCodeProcess(HANDLE process, IntByReference exitCode);

    boolean TerminateProcess(HANDLE process, int exitCode);

    int WaitForSingleObject(HANDLE handle, int milliseconds);

    int ResumeThread(HANDLE thread);

    boolean CreateProcessW(WString applicationName, char[] commandLine, Pointer processAttributes, Pointer threadAttributes,
            boolean inheritHandles, int creationFlags, Pointer environment, WString currentDirectory,
            JobInformation.STARTUPINFOEXW startupInfo, WinBase.PROCESS_INFORMATION processInformation);

    boolean InitializeProcThreadAttributeList(Pointer attributeList, int attributeCount, int flags, ULONG_PTRByReference size);

    boolean UpdateProcThreadAttribute(Pointer attributeList, int flags, ULONG_PTR attribute, Pointer value, SIZE_T size,
            Pointer previousValue, Pointer returnSize);

    void DeleteProcThreadAttributeList(Pointer attributeList);

    boolean CreatePipe(HANDLEByReference readPipe, HANDLEByReference writePipe, WinBase.SECURITY_ATTRIBUTES attributes, int size);

    boolean SetHandleInformation(HANDLE handle, int mask, int flags);

    boolean DuplicateHandle(HANDLE sourceProcess, HANDLE source, HANDLE targetProcess, HANDLEByReference target,
            int desiredAccess, boolean inheritHandle, int options);

    HANDLE GetStdHandle(int stdHandle);

    HANDLE CreateFileW(WString fileName, int desiredAccess, int shareMode, WinBase.SECURITY_ATTRIBUTES attributes,
            int creationDisposition, int flagsAndAttributes, HANDLE templateFile);

    boolean ReadFile(HANDLE file, byte[] buffer, int toRead, IntByReference read, Pointer overlapped);

    boolean WriteFile(HANDLE file, byte[] buffer, int toWrite, IntByReference written, Pointer overlapped);
}
