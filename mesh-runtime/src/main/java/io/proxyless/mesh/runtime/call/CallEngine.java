package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
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
    private final Set<String> adapterHeaderNames;
    private volatile HeaderNames headerNames;

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
        this.adapterHeaderNames = listener.requestHeaderNames();
    }

    /**
     * The request header names this engine's calls read on {@code snapshot}: those its routes read
     * ({@link CompiledMesh#requestHeaderNames()}) and those the mesh's listeners, this engine's listener and the
     * mesh's header contributors declare. The same object while none of them changes (the snapshot's own set when
     * only routes read headers), so an adapter that makes a key per name (gRPC metadata) tells by identity when to
     * make them again. Cheap enough to ask on every call: a few volatile reads.
     */
    public Set<String> requestHeaderNames(CompiledMesh snapshot) {
        Set<String> routes = snapshot.requestHeaderNames();
        Set<String> listeners = mesh.listener().requestHeaderNames();
        Set<String> contributors = mesh.headerContributors().requestHeaderNames();
        HeaderNames last = headerNames;
        if (last != null && last.routes == routes && last.listeners == listeners
                && last.contributors == contributors) {
            return last.all;
        }
        Set<String> all = routes;
        if (!listeners.isEmpty() || !adapterHeaderNames.isEmpty() || !contributors.isEmpty()) {
            Set<String> union = new HashSet<>(routes);
            union.addAll(listeners);
            union.addAll(adapterHeaderNames);
            union.addAll(contributors);
            all = Set.copyOf(union);
        }
        headerNames = new HeaderNames(routes, listeners, contributors, all);
        return all;
    }

    /** The sets {@link #requestHeaderNames} last joined, by identity, and what it made of them. */
    private record HeaderNames(Set<String> routes, Set<String> listeners, Set<String> contributors,
                               Set<String> all) {
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
