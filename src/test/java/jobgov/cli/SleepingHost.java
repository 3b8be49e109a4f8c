package jobgov.cli;

/** A plain JVM for attach tests: starts one child ({@code sleep}), prints "ready", then waits to be killed. */
public final class SleepingHost {
    private SleepingHost() {
    }

    public static void main(String[] args) throws Exception {
        Process child = new ProcessBuilder("sleep", args.length > 0 ? args[0] : "300").start();
        System.out.println("ready " + child.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
