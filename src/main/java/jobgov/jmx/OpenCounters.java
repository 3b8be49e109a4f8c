package jobgov.jmx;

import java.util.List;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import jobgov.job.JobCounters;

/** {@link JobCounters} as CompositeData: one long item per counter, -1 where the backend cannot read it. */
final class OpenCounters {
    static final List<String> ITEMS = List.of(
            "totalUserTimeMillis", "totalKernelTimeMillis", "totalPageFaults", "totalProcesses", "activeProcesses",
            "totalTerminatedProcesses", "readOperations", "writeOperations", "otherOperations", "readBytes",
            "writeBytes", "otherBytes", "jobMemoryUsedBytes", "peakJobMemoryUsedBytes", "peakProcessMemoryUsedBytes");
    static final CompositeType TYPE = type();

    private OpenCounters() {
    }

    static CompositeData of(JobCounters c) {
        Object[] values = {c.totalUserTimeMillis(), c.totalKernelTimeMillis(), c.totalPageFaults(), c.totalProcesses(),
                c.activeProcesses(), c.totalTerminatedProcesses(), c.readOperations(), c.writeOperations(),
                c.otherOperations(), c.readBytes(), c.writeBytes(), c.otherBytes(), c.jobMemoryUsedBytes(),
                c.peakJobMemoryUsedBytes(), c.peakProcessMemoryUsedBytes()};
        try {
            return new CompositeDataSupport(TYPE, ITEMS.toArray(String[]::new), values);
        } catch (OpenDataException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    private static CompositeType type() {
        String[] names = ITEMS.toArray(String[]::new);
        OpenType<?>[] types = new OpenType<?>[names.length];
        java.util.Arrays.fill(types, SimpleType.LONG);
        try {
            return new CompositeType("jobgov.JobCounters", "A job's accounting; -1 = not readable on this platform", names, names, types);
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
