package jobgov.windows;

/** A child for the Windows CPU-cap test: keeps every core busy for the given seconds. */
public final class Spin {
    private Spin() {
    }

    public static void main(String[] args) throws InterruptedException {
        long until = System.nanoTime() + Long.parseLong(args[0]) * 1_000_000_000L;
        Thread[] threads = new Thread[Runtime.getRuntime().availableProcessors()];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(() -> {
                long x = 0;
                while (System.nanoTime() < until) {
                    x += System.identityHashCode(Thread.currentThread()) ^ x;
                }
                if (x == 42) {
                    System.out.print("");
                }
            });
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
    }
}
