package io.proxyless.mesh.benchmarks;

/**
 * One way of calling the backend (plain OkHttp, OkHttp + mesh, a gRPC channel, …), set up once and then used by
 * several worker threads; the JMH benchmarks and the {@link SideBySide} driver share these.
 */
interface Caller extends AutoCloseable {
    /**
     * Performs operation {@code i} of the request mix for worker {@code worker} (each worker is one thread at a
     * time) and returns when it is complete (response read to the end).
     */
    void call(int worker, int i) throws Exception;

    /**
     * Called by the {@link SideBySide} driver before each measured slice, outside its timed part, with the slice's
     * number of workers: a caller whose workers hold state that one draw decides for a whole run (a stream's backend)
     * draws it again here.
     */
    default void beforeSlice(int workers) throws Exception {
    }

    /** Counters worth reporting after a run (e.g. the mirror sender's), or null. */
    default String stats() {
        return null;
    }

    @Override
    default void close() throws Exception {
    }
}
