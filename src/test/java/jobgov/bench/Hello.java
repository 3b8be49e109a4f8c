package jobgov.bench;

/**
 * The host JVM of the start-up figures: prints when its main runs (epoch ms), then optionally stays up
 * for {@code args[0]} ms so an agent's asynchronous work (a policy going live) can finish and be seen.
 */
public final class Hello {
    private Hello() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println("main-at " + System.currentTimeMillis());
        System.out.flush();
        if (args.length > 0) {
            Thread.sleep(Long.parseLong(args[0]));
        }
    }
}
