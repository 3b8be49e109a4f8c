package jobgov.linux;

import com.sun.jna.Memory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The kernel's process-events connector (netlink {@code NETLINK_CONNECTOR}, group {@code CN_IDX_PROC}; root or
 * CAP_NET_ADMIN): every fork and exit on the machine as it happens, with the exit status. One socket and one daemon
 * thread ({@code jobgov-proc-events}) per JVM, shared by every job; each job filters by membership (a child forked
 * by a member is a member: it starts in its parent's cgroups). Threads are not processes: only forks that make a new
 * thread group and exits of a thread-group leader are passed on.
 *
 * <p>Where the socket cannot be had (no privilege, no connector in the kernel, no libc through JNA),
 * {@link #available()} is false and the jobs keep their {@code cgroup.procs} tracking. A receive buffer overrun
 * (ENOBUFS: the kernel dropped messages) is counted in {@link #lost()} and every listener is told, so it re-reads
 * its process lists.
 */
final class ProcConnector {
    private static final System.Logger LOG = System.getLogger("jobgov.linux");
    private static final int AF_NETLINK = 16;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_CONNECTOR = 11;
    private static final int CN_IDX_PROC = 1;
    private static final int CN_VAL_PROC = 1;
    private static final int PROC_CN_MCAST_LISTEN = 1;
    private static final int NLMSG_DONE = 3;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVBUFFORCE = 33;
    private static final int ENOBUFS = 105;
    private static final int PROC_EVENT_FORK = 0x1;
    private static final int PROC_EVENT_EXIT = 0x80000000;
    /** nlmsghdr (16) + cn_msg (20): where struct proc_event starts; its union after what, cpu, timestamp (16). */
    private static final int EVENT = 36;
    private static final int DATA = EVENT + 16;

    /** What a job hears. Called on the connector's thread: return quickly. */
    interface Listener {
        /** @param at when the kernel created {@code child}, on the clock of {@link System#nanoTime()} (CLOCK_MONOTONIC) */
        void forked(long parent, long child, long at);

        /** @param status the wait(2) status: exit code {@code (status >> 8) & 0xff}, or the signal {@code status & 0x7f} */
        void exited(long pid, int status);

        /** Messages were lost: re-read what you know. */
        void overrun();
    }

    private static final Object LOCK = new Object();
    private static volatile ProcConnector instance;
    private static volatile boolean failed;

    private final int fd;
    // the kernel stamps messages with its own CLOCK_MONOTONIC; inside a time namespace the JVM's clock is offset
    private final long clockOffset = TimeNamespace.monotonicOffsetNanos();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile long lost;

    private ProcConnector(int fd) {
        this.fd = fd;
    }

    /** The JVM's connector, opened on first use; null where the kernel or the privileges do not allow it. */
    static ProcConnector get() {
        ProcConnector c = instance;
        if (c != null || failed) {
            return c;
        }
        synchronized (LOCK) {
            if (instance == null && !failed) {
                instance = open();
                failed = instance == null;
            }
            return instance;
        }
    }

    static boolean available() {
        return get() != null;
    }

    long lost() {
        return lost;
    }

    AutoCloseable subscribe(Listener l) {
        listeners.add(l);
        return () -> listeners.remove(l);
    }

    private static ProcConnector open() {
        int fd;
        try {
            fd = Libc.C.socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
        } catch (LinkageError | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "no process-events connector: libc not reachable (" + e + ")");
            return null;
        }
        if (fd < 0) {
            LOG.log(System.Logger.Level.DEBUG, "no process-events connector: socket: " + Libc.lastError());
            return null;
        }
        try (Memory addr = new Memory(12); Memory msg = new Memory(40); Memory size = new Memory(4)) {
            addr.clear();
            addr.setShort(0, (short) AF_NETLINK);
            addr.setInt(8, CN_IDX_PROC); // nl_groups; nl_pid 0: the kernel picks one
            if (Libc.C.bind(fd, addr, 12) < 0) {
                throw new IllegalStateException("bind: " + Libc.lastError());
            }
            size.setInt(0, 8 << 20); // a burst of forks must not overrun it (root may force the size)
            Libc.C.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, size, 4);
            msg.clear();
            msg.setInt(0, 40);                   // nlmsg_len
            msg.setShort(4, (short) NLMSG_DONE); // nlmsg_type
            msg.setInt(12, (int) ProcessHandle.current().pid());
            msg.setInt(16, CN_IDX_PROC);         // cn_msg.id.idx
            msg.setInt(20, CN_VAL_PROC);         // cn_msg.id.val
            msg.setShort(32, (short) 4);         // cn_msg.len
            msg.setInt(36, PROC_CN_MCAST_LISTEN);
            if (Libc.C.send(fd, msg, 40, 0) != 40) {
                throw new IllegalStateException("subscribe: " + Libc.lastError());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "no process-events connector: " + e.getMessage());
            Libc.C.close(fd);
            return null;
        }
        ProcConnector c = new ProcConnector(fd);
        Thread t = new Thread(c::run, "jobgov-proc-events");
        t.setDaemon(true);
        t.start();
        return c;
    }

    private void run() {
        try (Memory buf = new Memory(8192)) {
            while (true) {
                long n;
                try {
                    n = Libc.C.recv(fd, buf, buf.size(), 0);
                } catch (Throwable e) {
                    continue; // survive a failed native call (an OutOfMemoryError included): the next message is read
                }
                if (n < 0) {
                    int errno = com.sun.jna.Native.getLastError();
                    if (errno == ENOBUFS) {
                        lost++;
                        tell(Listener::overrun);
                    } else if (errno != Libc.EINTR) {
                        LOG.log(System.Logger.Level.WARNING, "process-events connector: recv failed (errno " + errno + "); it stops");
                        return;
                    }
                    continue;
                }
                // one datagram may carry several netlink messages
                for (long off = 0; off + DATA <= n; ) {
                    int len = buf.getInt(off);
                    if (len < DATA || off + len > n) {
                        break;
                    }
                    dispatch(buf, off);
                    off += (len + 3) & ~3;
                }
            }
        }
    }

    private void dispatch(Memory buf, long off) {
        int what = buf.getInt(off + EVENT);
        if (what == PROC_EVENT_FORK) {
            long parentTgid = Integer.toUnsignedLong(buf.getInt(off + DATA + 4));
            long childPid = Integer.toUnsignedLong(buf.getInt(off + DATA + 8));
            long childTgid = Integer.toUnsignedLong(buf.getInt(off + DATA + 12));
            long at = buf.getLong(off + EVENT + 8) + clockOffset;
            if (childPid == childTgid) {
                tell(l -> l.forked(parentTgid, childTgid, at));
            }
        } else if (what == PROC_EVENT_EXIT) {
            long pid = Integer.toUnsignedLong(buf.getInt(off + DATA));
            long tgid = Integer.toUnsignedLong(buf.getInt(off + DATA + 4));
            int status = buf.getInt(off + DATA + 8);
            if (pid == tgid) {
                tell(l -> l.exited(pid, status));
            }
        }
    }

    private void tell(java.util.function.Consumer<Listener> call) {
        for (Listener l : listeners) {
            try {
                call.accept(l);
            } catch (Throwable e) {
                // one job's failure is not another's
            }
        }
    }
}
