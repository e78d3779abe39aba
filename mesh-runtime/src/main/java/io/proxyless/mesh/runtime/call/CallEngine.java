package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.event.MeshListener;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The transport-neutral call engine: carries out a route decision the way Envoy's router does — fault injection,
 * the route timeout, attempts with per-try timeouts, retry conditions, jittered backoff and other endpoints
 * first, circuit-breaker permits, outlier detection feedback and mirror copies — and reports every step to a
 * {@link MeshListener}. An adapter supplies only the wire, through an {@link Exchange}.
 *
 * <pre>{@code
 * CallEngine engine = new CallEngine(mesh, "http", listener, null);
 * RoutedCall call = engine.newCall(routeRequest, exchange, serialExecutor);
 * serialExecutor.execute(call::start);
 * }</pre>
 *
 * <p>One engine serves any number of concurrent calls; it holds no per-call state. All time is read from
 * {@link Mesh#clock()}, so a test drives deadlines, backoff and per-try timeouts with a fake clock.
 */
public final class CallEngine {
    private final Mesh mesh;
    private final String protocol;
    private final MeshListener listener;
    private final RandomGenerator random;
    private final MirrorBackoff mirrorBackoff;

    /**
     * @param mesh     the mesh whose snapshot routes the calls
     * @param protocol the calls' application protocol as Istio names it ({@code http}, {@code grpc})
     * @param listener an adapter's listener, called after the mesh's own ({@link MeshListener#NONE}: none)
     * @param random   randomness for weights, faults, mirrors, balancing and backoff; null: thread-local
     */
    public CallEngine(Mesh mesh, String protocol, MeshListener listener, RandomGenerator random) {
        this.mesh = Objects.requireNonNull(mesh, "mesh");
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.listener = MeshListener.both(mesh.listener(), Objects.requireNonNull(listener, "listener"));
        this.random = random;
        this.mirrorBackoff = new MirrorBackoff(mesh.clock());
    }

    /**
     * A new call for {@code request}. Nothing happens until {@link RoutedCall#start()}. Every method of the call,
     * of its attempts and the engine's timers run in {@code serial}, one at a time: it must run tasks in order and
     * never two at once ({@link SerialExecutor}, which the adapters use; gRPC's {@code SynchronizationContext} or
     * Guava's {@code MoreExecutors.newSequentialExecutor} would do too).
     */
    public RoutedCall newCall(RouteRequest request, Exchange exchange, Executor serial) {
        return new RoutedCall(this, request, exchange, serial);
    }

    /** The listener every call reports to (the mesh's and the adapter's). */
    public MeshListener listener() {
        return listener;
    }

    public Mesh mesh() {
        return mesh;
    }

    /** Mirror endpoints that refused a copy or timed out, backed off (one per engine, outliving calls). */
    MirrorBackoff mirrorBackoff() {
        return mirrorBackoff;
    }

    String protocol() {
        return protocol;
    }

    RandomGenerator random() {
        return random != null ? random : ThreadLocalRandom.current();
    }
}
