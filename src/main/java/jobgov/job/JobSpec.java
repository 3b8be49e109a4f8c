package jobgov.job;

/**
 * How to create a job: its name (also the cgroup directory / Win32 object name), an optional parent
 * (a cgroup path on Linux; null = under this process's own cgroup), and its initial limits.
 */
public record JobSpec(String name, String parent, JobLimits limits) {
    public JobSpec {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            throw new IllegalArgumentException("job name '" + name + "' must be 1-100 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        checkParent(parent);
        limits = limits == null ? JobLimits.NONE : limits;
    }

    /**
     * Refuses a parent that could resolve anywhere but a cgroup below the hierarchy's root: it must be a plain
     * path of names ({@code /a/b} or {@code a/b}), with no {@code .} or {@code ..} step, no empty step, no control
     * character (NUL, newline) and no name or path longer than the kernel takes. Null (the creator's own cgroup) is fine.
     */
    public static void checkParent(String parent) {
        if (parent == null) {
            return;
        }
        String shown = parent.codePoints().anyMatch(c -> c < 0x20 || c == 0x7f)
                ? parent.replaceAll("\\p{Cntrl}", "?") : parent;
        if (parent.isEmpty() || parent.length() > 4096) {
            throw new IllegalArgumentException("parent cgroup '" + shown + "' must be a cgroup path of 1-4096 characters");
        }
        if (!shown.equals(parent)) {
            throw new IllegalArgumentException("parent cgroup '" + shown + "' contains a control character (NUL, newline...)");
        }
        String rel = parent.startsWith("/") ? parent.substring(1) : parent;
        if (rel.endsWith("/")) {
            rel = rel.substring(0, rel.length() - 1);
        }
        if (rel.isEmpty()) {
            return; // the hierarchy's root
        }
        for (String step : rel.split("/", -1)) {
            if (step.isEmpty() || step.equals(".") || step.equals("..") || step.length() > 255) {
                throw new IllegalArgumentException("parent cgroup '" + parent + "' must be a path of cgroup names below the hierarchy's root"
                        + " (no '.', '..' or empty step, names of at most 255 characters)");
            }
        }
    }

    public static JobSpec named(String name) {
        return new JobSpec(name, null, JobLimits.NONE);
    }
}
