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
        limits = limits == null ? JobLimits.NONE : limits;
    }

    public static JobSpec named(String name) {
        return new JobSpec(name, null, JobLimits.NONE);
    }
}
