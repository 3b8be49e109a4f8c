package jobgov.windows;

import static jobgov.windows.JobConstants.*;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.WString;
import com.sun.jna.platform.win32.BaseTSD.SIZE_T;
import com.sun.jna.platform.win32.BaseTSD.ULONG_PTR;
import com.sun.jna.platform.win32.BaseTSD.ULONG_PTRByReference;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinDef.DWORD;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.platform.win32.WinNT.HANDLEByReference;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jobgov.job.JobException;

/**
 * Starts a command already inside a job chain (outermost first), so no process of it ever runs outside:
 * on Windows 10+ CreateProcess gets PROC_THREAD_ATTRIBUTE_JOB_LIST; before, the process is created
 * suspended, assigned to every job of the chain, then resumed. Only the child's three standard handles
 * are inherited (PROC_THREAD_ATTRIBUTE_HANDLE_LIST). Honors the builder's command, directory,
 * environment and redirects (pipe, inherit, file read/write/append, discard, error-into-output).
 */
final class JobProcessStart {
    private static final int DUPLICATE_SAME_ACCESS = 0x2;

    private JobProcessStart() {
    }

    static Process start(Kernel32Jobs api, List<WindowsJob> chain, ProcessBuilder pb, boolean jobList) {
        char[] commandLine = (CommandLine.of(pb.command()) + '\0').toCharArray();
        Memory environment = environmentBlock(pb.environment());
        WString directory = pb.directory() == null ? null : new WString(pb.directory().getAbsolutePath());
        Std std = new Std(api);
        Memory attributes = null;
        // lpValue of UpdateProcThreadAttribute is referenced, not copied, until DeleteProcThreadAttributeList:
        // these must stay reachable (and so unfreed) until then.
        Memory handles = null;
        Memory jobs = null;
        WinBase.PROCESS_INFORMATION pi = new WinBase.PROCESS_INFORMATION();
        try {
            std.open(pb);
            List<HANDLE> inherited = new ArrayList<>(new LinkedHashSet<>(List.of(std.childIn, std.childOut, std.childErr)));
            int count = jobList ? 2 : 1;
            ULONG_PTRByReference size = new ULONG_PTRByReference();
            api.InitializeProcThreadAttributeList(null, count, 0, size); // asks for the size: fails with ERROR_INSUFFICIENT_BUFFER
            attributes = new Memory(Math.max(8, size.getValue().longValue()));
            if (!api.InitializeProcThreadAttributeList(attributes, count, 0, size)) {
                throw new JobException("InitializeProcThreadAttributeList failed: " + Win32Error.describe(api.lastError()));
            }
            handles = handleArray(inherited);
            if (!api.UpdateProcThreadAttribute(attributes, 0, new ULONG_PTR(PROC_THREAD_ATTRIBUTE_HANDLE_LIST), handles,
                    new SIZE_T(handles.size()), null, null)) {
                throw new JobException("UpdateProcThreadAttribute(handle list) failed: " + Win32Error.describe(api.lastError()));
            }
            jobs = handleArray(chain.stream().map(WindowsJob::handle).toList());
            if (jobList && !api.UpdateProcThreadAttribute(attributes, 0, new ULONG_PTR(PROC_THREAD_ATTRIBUTE_JOB_LIST), jobs,
                    new SIZE_T(jobs.size()), null, null)) {
                throw new JobException("UpdateProcThreadAttribute(job list) failed: " + Win32Error.describe(api.lastError()));
            }
            var si = new JobInformation.STARTUPINFOEXW();
            si.dwFlags = STARTF_USESTDHANDLES;
            si.hStdInput = std.childIn;
            si.hStdOutput = std.childOut;
            si.hStdError = std.childErr;
            si.lpAttributeList = attributes;
            // As the JDK: a console child shares our console; only without one is it kept windowless, which
            // makes Windows start a conhost.exe for it, in the job.
            int flags = CREATE_UNICODE_ENVIRONMENT | EXTENDED_STARTUPINFO_PRESENT | (jobList ? 0 : CREATE_SUSPENDED)
                    | (api.GetConsoleWindow() == null ? CREATE_NO_WINDOW : 0);
            if (!api.CreateProcessW(null, commandLine, null, null, true, flags, environment, directory, si, pi)) {
                throw new JobException("cannot start " + pb.command() + ": CreateProcess failed: " + Win32Error.describe(api.lastError()));
            }
        } catch (RuntimeException e) {
            std.closeParentEnds();
            throw e;
        } finally {
            if (attributes != null) {
                api.DeleteProcThreadAttributeList(attributes);
            }
            Reference.reachabilityFence(handles);
            Reference.reachabilityFence(jobs);
            std.closeChildEnds();
        }
        if (!jobList) {
            for (WindowsJob j : chain) {
                if (!api.AssignProcessToJobObject(j.handle(), pi.hProcess)) {
                    int err = api.lastError();
                    api.TerminateProcess(pi.hProcess, 1);
                    api.CloseHandle(pi.hThread);
                    api.CloseHandle(pi.hProcess);
                    std.closeParentEnds();
                    throw new JobException("AssignProcessToJobObject(" + j.objectName() + ") for " + pb.command()
                            + " failed, the suspended process was ended: " + Win32Error.describe(err));
                }
            }
            if (api.ResumeThread(pi.hThread) == -1) {
                int err = api.lastError();
                api.TerminateProcess(pi.hProcess, 1);
                api.CloseHandle(pi.hThread);
                api.CloseHandle(pi.hProcess);
                std.closeParentEnds();
                throw new JobException("ResumeThread for " + pb.command() + " failed: " + Win32Error.describe(err));
            }
        }
        api.CloseHandle(pi.hThread);
        return new WindowsProcess(api, pi.hProcess, Integer.toUnsignedLong(pi.dwProcessId.intValue()),
                std.stdin(), std.stdout(), std.stderr());
    }

    /** UTF-16 "k=v\0...\0\0", sorted case-insensitively as Windows expects. */
    static Memory environmentBlock(Map<String, String> env) {
        TreeMap<String, String> sorted = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        sorted.putAll(env);
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            sb.append(e.getKey()).append('=').append(e.getValue()).append('\0');
        }
        if (sorted.isEmpty()) {
            sb.append('\0');
        }
        sb.append('\0');
        Memory m = new Memory((long) sb.length() * Native.WCHAR_SIZE);
        for (int i = 0; i < sb.length(); i++) {
            m.setChar((long) i * Native.WCHAR_SIZE, sb.charAt(i));
        }
        return m;
    }

    private static Memory handleArray(List<HANDLE> handles) {
        Memory m = new Memory((long) handles.size() * Native.POINTER_SIZE);
        for (int i = 0; i < handles.size(); i++) {
            m.setPointer((long) i * Native.POINTER_SIZE, handles.get(i).getPointer());
        }
        return m;
    }

    /** The child's standard handles (inheritable) and the parent's ends of any pipes. */
    private static final class Std {
        private final Kernel32Jobs api;
        HANDLE childIn;
        HANDLE childOut;
        HANDLE childErr;
        HANDLE parentIn;
        HANDLE parentOut;
        HANDLE parentErr;
        private final List<HANDLE> childOwned = new ArrayList<>();

        Std(Kernel32Jobs api) {
            this.api = api;
        }

        void open(ProcessBuilder pb) {
            childIn = open(pb.redirectInput(), STD_INPUT_HANDLE, true);
            childOut = open(pb.redirectOutput(), STD_OUTPUT_HANDLE, false);
            parentOut = lastParent;
            if (pb.redirectErrorStream()) {
                childErr = childOut;
            } else {
                childErr = open(pb.redirectError(), STD_ERROR_HANDLE, false);
                parentErr = lastParent;
            }
        }

        private HANDLE lastParent;

        private HANDLE open(ProcessBuilder.Redirect r, int std, boolean input) {
            lastParent = null;
            switch (r.type()) {
                case PIPE -> {
                    HANDLEByReference read = new HANDLEByReference();
                    HANDLEByReference write = new HANDLEByReference();
                    if (!api.CreatePipe(read, write, inheritable(), 0)) {
                        throw new JobException("CreatePipe failed: " + Win32Error.describe(api.lastError()));
                    }
                    HANDLE child = input ? read.getValue() : write.getValue();
                    HANDLE parent = input ? write.getValue() : read.getValue();
                    api.SetHandleInformation(parent, HANDLE_FLAG_INHERIT, 0); // the child must not hold our end
                    childOwned.add(child);
                    if (input) {
                        parentIn = parent;
                    } else {
                        lastParent = parent;
                    }
                    return child;
                }
                case INHERIT -> {
                    HANDLE own = api.GetStdHandle(std);
                    HANDLEByReference dup = new HANDLEByReference();
                    if (WindowsJob.isNull(own) || own.equals(WinBase.INVALID_HANDLE_VALUE)
                            || !api.DuplicateHandle(api.GetCurrentProcess(), own, api.GetCurrentProcess(), dup, 0, true, DUPLICATE_SAME_ACCESS)) {
                        return file(new File("NUL"), input, false); // no console: like the JDK, the child gets the null device
                    }
                    childOwned.add(dup.getValue());
                    return dup.getValue();
                }
                case READ -> {
                    return file(r.file(), true, false);
                }
                case WRITE -> {
                    return file(r.file(), false, false);
                }
                case APPEND -> {
                    return file(r.file(), false, true);
                }
                default -> throw new JobException("unsupported redirect " + r);
            }
        }

        private HANDLE file(File f, boolean read, boolean append) {
            int access = read ? GENERIC_READ : append ? FILE_APPEND_DATA : GENERIC_WRITE;
            int disposition = read ? OPEN_EXISTING : append ? OPEN_ALWAYS : CREATE_ALWAYS;
            HANDLE h = api.CreateFileW(new WString(f.getPath()), access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    inheritable(), disposition, 0, null);
            if (WindowsJob.isNull(h) || h.equals(WinBase.INVALID_HANDLE_VALUE)) {
                throw new JobException("cannot open " + f + " for the child: " + Win32Error.describe(api.lastError()));
            }
            childOwned.add(h);
            return h;
        }

        private static WinBase.SECURITY_ATTRIBUTES inheritable() {
            WinBase.SECURITY_ATTRIBUTES sa = new WinBase.SECURITY_ATTRIBUTES();
            sa.dwLength = new DWORD(sa.size());
            sa.bInheritHandle = true;
            return sa;
        }

        OutputStream stdin() {
            return parentIn == null ? OutputStream.nullOutputStream() : new HandleStreams.Output(api, parentIn);
        }

        InputStream stdout() {
            return parentOut == null ? InputStream.nullInputStream() : new HandleStreams.Input(api, parentOut);
        }

        InputStream stderr() {
            return parentErr == null ? InputStream.nullInputStream() : new HandleStreams.Input(api, parentErr);
        }

        /** The child has its copies now (or never will): ours must go, or pipes never see EOF. */
        void closeChildEnds() {
            for (HANDLE h : childOwned) {
                api.CloseHandle(h);
            }
            childOwned.clear();
        }

        void closeParentEnds() {
            for (HANDLE h : new HANDLE[] {parentIn, parentOut, parentErr}) {
                if (h != null) {
                    api.CloseHandle(h);
                }
            }
            parentIn = parentOut = parentErr = null;
        }
    }
}
