package io.proxyless.mesh.runtime.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Requests sent back to back from a few threads until {@link #close()}, each recorded with the time it started
 * and its answer (or the exception that failed it). Bounded: each thread stops by itself after {@link #MAX_TIME}.
 */
public final class ContinuousLoad implements AutoCloseable {
    public static final long MAX_TIME = TimeUnit.SECONDS.toNanos(60);

    /** One request: when it started ({@link System#nanoTime()}) and what it answered. */
    public record Result(long startNanos, String answer, Throwable failure) {
    }

    private final ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopped;

    public ContinuousLoad(int threadCount, Callable<String> request) {
        long end = System.nanoTime() + MAX_TIME;
        for (int i = 0; i < threadCount; i++) {
            Thread t = new Thread(() -> {
                while (!stopped && System.nanoTime() < end) {
                    long start = System.nanoTime();
                    try {
                        results.add(new Result(start, request.call(), null));
                    } catch (Exception e) {
                        results.add(new Result(start, null, e));
                    }
                }
            }, "load-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    public List<Result> results() {
        return List.copyOf(results);
    }

    /** Results of requests that started at or after {@code nanos}. */
    public List<Result> since(long nanos) {
        return results.stream().filter(r -> r.startNanos() >= nanos).toList();
    }

    /** Results that failed or whose answer is not {@code ok}. */
    public List<Result> bad(Predicate<String> ok) {
        return results.stream().filter(r -> r.failure() != null || !ok.test(r.answer())).toList();
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(15));
        }
    }
}
