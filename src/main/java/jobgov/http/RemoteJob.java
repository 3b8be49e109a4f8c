package jobgov.http;

import java.util.List;
import java.util.Map;

/**
 * One job as read over Jolokia from {@code jobgov:type=Job,name=NAME} on another machine.
 *
 * @param counters the Counters composite by item name (e.g. {@code totalUserTimeMillis}), in the server's order
 */
public record RemoteJob(String name, String backend, String location, String eventSource, String limitSpec, Map<String, Long> counters,
        List<Long> pids) {
}
