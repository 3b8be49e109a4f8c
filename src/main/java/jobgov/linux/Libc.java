package jobgov.linux;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * The few libc calls the Linux backends need that the JDK does not offer: prlimit(2) on other
 * processes, inotify, eventfd, poll, kill and the pidfd calls. Plain JNA (no jna-platform); errno is read with
 * {@link Native#getLastError()} right after a call that returned -1.
 *
 * <p>Shared by the cgroup1 and cgroup2 backends.
 */
public interface Libc extends Library {
    Libc C = Native.load("c", Libc.class);

    int RLIMIT_CPU = 0;
    int RLIMIT_AS = 9;
    long RLIM_INFINITY = -1L;

    int O_RDONLY = 0;
    int O_CLOEXEC = 0x80000;
    int NONBLOCK = 0x800;
    int IN_MODIFY = 0x2;
    short POLLIN = 0x1;
    int SIGKILL = 9;
    int SIGSTOP = 19;
    /** The same numbers on every architecture (the syscall table was unified from 424 on). */
    long SYS_PIDFD_SEND_SIGNAL = 424;
    long SYS_PIDFD_OPEN = 434;
    int ENOSYS = 38;
    int EINTR = 4;
    int ESRCH = 3;

    /** struct rlimit: soft (cur) and hard (max) limit, {@link #RLIM_INFINITY} for none. */
    @Structure.FieldOrder({"cur", "max"})
    final class Rlimit extends Structure {
        public long cur;
        public long max;

        public Rlimit() {
        }

        public Rlimit(long cur, long max) {
            this.cur = cur;
            this.max = max;
        }
    }

    int prlimit(int pid, int resource, Rlimit newLimit, Rlimit oldLimit);

    int inotify_init1(int flags);

    int inotify_add_watch(int fd, String path, int mask);

    int eventfd(int initval, int flags);

    int open(String path, int flags);

    /** {@code fds} points at {@code nfds} struct pollfd {int fd; short events; short revents;} (8 bytes each). */
    int poll(Pointer fds, long nfds, int timeoutMillis);

    long read(int fd, Pointer buf, long count);

    long write(int fd, Pointer buf, long count);

    int close(int fd);

    int kill(int pid, int sig);

    /** For the netlink process-events connector ({@link ProcConnector}). */
    int socket(int domain, int type, int protocol);

    int bind(int fd, Pointer addr, int addrlen);

    long send(int fd, Pointer buf, long len, int flags);

    long recv(int fd, Pointer buf, long len, int flags);

    int setsockopt(int fd, int level, int name, Pointer value, int len);

    /** For pidfd_open(pid, 0) and pidfd_send_signal(fd, sig, NULL, 0), which glibc before 2.36 does not wrap. */
    long syscall(long number, Object... args);

    String strerror(int errnum);

    /** "Operation not permitted (errno 1)" for the errno of the last failed call on this thread. */
    static String lastError() {
        int errno = Native.getLastError();
        return C.strerror(errno) + " (errno " + errno + ")";
    }
}
