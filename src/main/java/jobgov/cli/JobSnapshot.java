package jobgov.cli;

import java.util.List;
import java.util.Map;

/**
 * One job as read by a {@link JobView}: what {@code jobgov status} prints.
 *
 * @param eventSource where the job's events come from (empty when the governing JVM does not say)
 * @param counters the job's counters by their MBean item names (e.g. {@code totalUserTimeMillis}), -1 = unknown
 */
record JobSnapshot(String name, String backend, String location, String eventSource, String limitSpec, Map<String, Long> counters, List<Long> pids) {
}
