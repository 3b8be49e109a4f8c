package jobgov.job;

import java.util.BitSet;

/** A set of logical CPUs, written the Linux way ({@code 0-3,6}); the affinity limit. */
public record CpuSet(BitSet cpus) {
    public CpuSet {
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("affinity: empty CPU list");
        }
        cpus = (BitSet) cpus.clone();
    }

    public static CpuSet parse(String list) {
        BitSet set = new BitSet();
        if (list == null || list.isBlank()) {
            throw new IllegalArgumentException("affinity: empty CPU list (use e.g. 0-1,3)");
        }
        for (String part : list.trim().split(",")) {
            String p = part.trim();
            try {
                int dash = p.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
                int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).trim());
                if (from < 0 || to < from || to > 4095) {
                    throw new NumberFormatException();
                }
                set.set(from, to + 1);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("affinity: bad CPU range '" + p + "' in '" + list + "' (use e.g. 0-1,3)");
            }
        }
        return new CpuSet(set);
    }

    /** The Win32 affinity mask (CPUs 0-63). */
    public long mask() {
        long[] words = cpus.toLongArray();
        return words.length == 0 ? 0 : words[0];
    }

    public int highest() {
        return cpus.length() - 1;
    }

    @Override
    public BitSet cpus() {
        return (BitSet) cpus.clone();
    }

    /** The cpuset list form, e.g. {@code 0-1,3}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        int i = cpus.nextSetBit(0);
        while (i >= 0) {
            int end = cpus.nextClearBit(i) - 1;
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(i);
            if (end > i) {
                sb.append('-').append(end);
            }
            i = cpus.nextSetBit(end + 1);
        }
        return sb.toString();
    }
}
