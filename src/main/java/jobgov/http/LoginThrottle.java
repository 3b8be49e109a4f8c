package jobgov.http;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Password guessing slowed down per client address: {@link #FREE_FAILURES} wrong passwords are answered
 * as usual, then each further one closes the door for twice as long as the last (1 s, 2 s, 4 s, ... at
 * most {@link #MAX_BACKOFF_SECONDS}); while closed, every credential from that address, right or wrong,
 * is answered with HTTP 429 and not checked. A right password opens it again. Requests without
 * credentials are not affected. At most {@link #MAX_ADDRESSES} addresses are remembered (oldest dropped).
 */
final class LoginThrottle {
    static final int FREE_FAILURES = 5;
    static final long MAX_BACKOFF_SECONDS = 60;
    static final int MAX_ADDRESSES = 4096;

    private record Record(int failures, long closedUntilNanos) {
    }

    private final Map<InetAddress, Record> records = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Record> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };

    /** Seconds until {@code client} may try again, or 0. */
    synchronized long closedForSeconds(InetAddress client) {
        Record r = records.get(client);
        long left = r == null ? 0 : r.closedUntilNanos - System.nanoTime();
        return left <= 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toSeconds(left + 999_999_999L));
    }

    synchronized void failed(InetAddress client) {
        Record r = records.get(client);
        int failures = r == null ? 1 : r.failures + 1;
        long closedUntil = System.nanoTime();
        if (failures > FREE_FAILURES) {
            long seconds = Math.min(MAX_BACKOFF_SECONDS, 1L << Math.min(30, failures - FREE_FAILURES - 1));
            closedUntil += TimeUnit.SECONDS.toNanos(seconds);
        }
        records.put(client, new Record(failures, closedUntil));
    }

    synchronized void succeeded(InetAddress client) {
        records.remove(client);
    }
}
