package jobgov.windows;

import static jobgov.windows.JobConstants.*;

import com.sun.jna.platform.win32.WinNT.HANDLE;
import java.util.ArrayList;
import java.util.List;
import jobgov.job.JobCounters;
import jobgov.job.JobLimits;

/**
 * Which job a limit message is about. Windows posts a nested job's limit messages to the ports of every
 * job up the chain, so the same JOB_MEMORY_LIMIT arrives under the key of the child that hit 256m and
 * under the key of its parent limited to 1g. Every job that receives it makes the same choice among the
 * same candidates (the jobs of the chain through the receiver and the nested jobs below it that hold the
 * pid and carry that kind of limit): the one with the least headroom left, the innermost on a tie. Only
 * that job reports it. Messages about membership (new process, exit) are every job's own.
 */
final class JobAttribution {
    private JobAttribution() {
    }

    static boolean ownLimitMessage(WindowsJob receiver, int message, long pid) {
        if (!isLimitMessage(message)) {
            return true;
        }
        if (headroom(receiver, message) == null) {
            return false; // this job has no such limit: it is a nested job's message
        }
        List<WindowsJob> candidates = new ArrayList<>(receiver.chain());
        HANDLE process = pid == 0 ? null : receiver.processForAttribution(pid);
        try {
            below(receiver, process, pid == 0, candidates);
        } finally {
            receiver.releaseForAttribution(process);
        }
        WindowsJob best = null;
        long bestRoom = Long.MAX_VALUE;
        int bestDepth = -1;
        for (WindowsJob j : candidates) {
            Long room = headroom(j, message);
            if (room == null) {
                continue;
            }
            int depth = j.chain().size();
            if (room < bestRoom || (room == bestRoom && depth > bestDepth)) {
                best = j;
                bestRoom = room;
                bestDepth = depth;
            }
        }
        return best == receiver;
    }

    private static void below(WindowsJob j, HANDLE process, boolean all, List<WindowsJob> out) {
        for (WindowsJob c : j.children()) {
            if (all || (process != null && c.holds(process))) {
                out.add(c);
                below(c, process, all, out);
            }
        }
    }

    static boolean isLimitMessage(int message) {
        return switch (message) {
            case JOB_OBJECT_MSG_JOB_MEMORY_LIMIT, JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT, JOB_OBJECT_MSG_END_OF_PROCESS_TIME,
                    JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT, JOB_OBJECT_MSG_END_OF_JOB_TIME -> true;
            default -> false;
        };
    }

    /** What is left of the limit the message reports, in that limit's units; null when the job has no such limit. */
    static Long headroom(WindowsJob j, int message) {
        JobLimits l = j.limits();
        return switch (message) {
            case JOB_OBJECT_MSG_JOB_MEMORY_LIMIT -> {
                if (l.jobMemoryBytes() == null) {
                    yield null;
                }
                long used = j.jobMemoryUsedIfOpen();
                yield l.jobMemoryBytes() - (used == JobCounters.UNKNOWN ? 0 : used);
            }
            case JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT -> l.processMemoryBytes();
            case JOB_OBJECT_MSG_END_OF_PROCESS_TIME -> l.processTime() == null ? null : l.processTime().toNanos();
            case JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT -> {
                if (l.activeProcesses() == null) {
                    yield null;
                }
                long active = j.activeProcessesIfOpen();
                yield l.activeProcesses() - (active == JobCounters.UNKNOWN ? 0 : active);
            }
            case JOB_OBJECT_MSG_END_OF_JOB_TIME -> {
                if (l.jobTime() == null) {
                    yield null;
                }
                var used = j.userTimeIfOpen();
                yield l.jobTime().toNanos() - (used == null ? 0 : used.toNanos());
            }
            default -> null;
        };
    }
}
