package io.proxyless.mesh.runtime.call;

/**
 * What a transport adapter does for one call of the {@link CallEngine}: the transport-specific steps, nothing
 * else. The engine decides routing, faults, retries, timeouts, circuit breaking, outlier feedback and mirrors,
 * and calls these methods in the call's serial executor; the adapter reports back through {@link Attempt},
 * {@link RoutedCall} and {@link MirrorCopy}, also in that executor.
 *
 * <p>None of the methods may block: a synchronous transport (OkHttp inside an interceptor) hands the work to the
 * application's thread, which waits for it; an asynchronous one (gRPC) starts the work and returns.
 */
public interface Exchange {
    /**
     * Sends one attempt to {@link Attempt#endpoint()}. The adapter later reports
     * {@link Attempt#responded} when response headers arrive, then {@link Attempt#finished} or
     * {@link Attempt#failed} when the attempt's stream is over ({@link Attempt#failedLocally} when it could not
     * even be sent). It may report synchronously, inside this method.
     */
    void send(Attempt attempt);

    /**
     * The engine gives up on {@code attempt} (per-try timeout, deadline, cancellation, a response that is retried):
     * stop it and free what it holds. Its later reports are ignored.
     */
    void cancel(Attempt attempt);

    /**
     * The call is committed to {@code attempt}: its response goes to the application (Envoy's router commits on
     * response headers); no retry follows.
     */
    void commit(Attempt attempt);

    /** Sends a copy of the request to a mirror (fire-and-forget), or drops it via {@link MirrorCopy#dropped}. */
    void mirror(MirrorCopy copy);

    /** The call is over ({@link RoutedCall#end()} says how): answer the application, release what is left. */
    void end(RoutedCall call);
}
