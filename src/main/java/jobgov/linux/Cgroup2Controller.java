package jobgov.linux;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The cgroup v2 controllers a job uses, in the order they are enabled in {@code cgroup.subtree_control}
 * (memory and pids first: they carry the limits and events that matter most).
 */
public enum Cgroup2Controller {
    MEMORY, PIDS, CPU, CPUSET, IO;

    /** The name in {@code cgroup.controllers} / {@code cgroup.subtree_control}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The controllers named in a {@code cgroup.controllers} or {@code cgroup.subtree_control} line; unknown names are skipped. */
    public static Set<Cgroup2Controller> parse(String line) {
        EnumSet<Cgroup2Controller> set = EnumSet.noneOf(Cgroup2Controller.class);
        for (String word : line.trim().split("\\s+")) {
            for (Cgroup2Controller c : values()) {
                if (c.key().equals(word)) {
                    set.add(c);
                }
            }
        }
        return set;
    }

    /** {@code memory pids} — for messages. */
    public static String names(Set<Cgroup2Controller> set) {
        StringJoiner j = new StringJoiner(" ");
        set.forEach(c -> j.add(c.key()));
        return j.length() == 0 ? "(none)" : j.toString();
    }
}
