package io.proxyless.mesh.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelConfigurator;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.call.CallEngine;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.tls.ClientTlsContext;
import io.proxyless.mesh.runtime.tls.ClientTlsContexts;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import io.proxyless.mesh.runtime.source.ConfigListener;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

/**
 * The channel that applies the mesh to every call: routes each call when it starts, and sends its attempts and
 * mirrors on the {@link EndpointChannels} it owns. Both {@link MeshGrpc#channelBuilder} channels and
 * {@code mesh:///} channels end here; it lives until {@link #shutdown()} and then drains: calls in flight finish
 * (with their retries), new calls fail.
 */
final class MeshChannel extends Channel {
    private final Mesh mesh;
    private final MeshTarget target;
    private final String authority;
    private final MeshChannelOptions options;
    private final EndpointChannels endpoints;
    private final ScheduledExecutorService timer;
    private final Executor defaultExecutor;
    private final RandomGenerator random;
    private final CallEngine engine;
    private final ClientTlsContexts tlsContexts;
    private final Set<MeshCall<?, ?>> activeCalls = ConcurrentHashMap.newKeySet();
    private final AtomicInteger mirrorsInFlight = new AtomicInteger();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final ConfigListener configListener;
    private volatile CompiledMesh pruned;
    // The metadata keys of the header names calls read on the snapshot last seen (its routes', and those listeners
    // and header contributors declare: engine.requestHeaderNames), made when the names changed (under the lock of
    // prune); calls read them without a lock. A call that routes on another snapshot still gets its other names
    // right: MetadataKeys makes their keys on the spot.
    private volatile MetadataKeys metadataKeys = MetadataKeys.NONE;
    private volatile Set<String> keyedNames;
    private volatile boolean shutdown;
    private boolean released;

    /**
     * @param authority    the calls' default authority; null: the target's
     * @param executor     callback executor for calls whose options name none; null: a shared cached pool
     * @param configurator transport settings for the endpoint channels, or null
     * @param random       randomness for weights, faults, mirrors and balancing; null: thread-local
     * @param listener     mesh events of this channel's calls, besides the mesh's own listener
     */
    MeshChannel(Mesh mesh, MeshTarget target, String authority, MeshChannelOptions options, Executor executor,
                ChannelConfigurator configurator, RandomGenerator random, MeshListener listener) {
        this.mesh = mesh;
        this.target = target;
        this.authority = authority != null ? authority : target.authority();
        this.options = options;
        this.random = random;
        this.engine = new CallEngine(mesh, "grpc", listener, random);
        this.tlsContexts = options.tls() != null ? options.tls() : mesh.tls();
        SharedResources.retain();
        this.timer = SharedResources.timer();
        this.defaultExecutor = executor != null ? executor : SharedResources.callbacks();
        this.endpoints = new EndpointChannels(new EndpointChannelFactory(configurator));
        this.configListener = new ConfigListener() {
            @Override
            public void onConfig(MeshConfig config) {
                // The engine compiled the new snapshot before telling us (its listener was added first); calls
                // also check, in case a source delivers to listeners in another order.
                prune(mesh.snapshot());
            }

            @Override
            public void onRejected(List<Problem> problems) {
            }
        };
        mesh.source().addListener(configListener);
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method,
                                                         CallOptions callOptions) {
        return newCall(method, callOptions, authority);
    }

    /** A call with the given default authority (the outer channel's, for {@code mesh:///} channels). */
    <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions callOptions,
                                                  String channelAuthority) {
        String authority = callOptions.getAuthority() != null ? callOptions.getAuthority() : channelAuthority;
        Executor executor = callOptions.getExecutor() != null ? callOptions.getExecutor() : defaultExecutor;
        return new MeshCall<>(this, method, callOptions, authority, executor);
    }

    @Override
    public String authority() {
        return authority;
    }

    /**
     * The config snapshot a new call routes with (the call keeps it to the end). Retires endpoint channels the
     * snapshot no longer needs and makes its {@link #metadataKeys()}, if no config listener did yet.
     */
    CompiledMesh snapshot() {
        CompiledMesh snapshot = mesh.snapshot();
        if (snapshot != pruned || engine.requestHeaderNames(snapshot) != keyedNames) {
            prune(snapshot);
        }
        return snapshot;
    }

    /** The metadata keys of the header names the latest snapshot this channel has seen reads. */
    MetadataKeys metadataKeys() {
        return metadataKeys;
    }

    private synchronized void prune(CompiledMesh snapshot) {
        Set<String> names = engine.requestHeaderNames(snapshot);
        if (names != keyedNames) {
            metadataKeys = MetadataKeys.of(names);
            keyedNames = names;
        }
        if (snapshot != pruned && !shutdown) {
            pruned = snapshot;
            endpoints.retainOnly(snapshot);
        }
    }

    /** True when the call may start; registers it for shutdownNow. */
    boolean callStarted(MeshCall<?, ?> call) {
        if (shutdown) {
            return false;
        }
        activeCalls.add(call);
        if (shutdown) { // raced with shutdown(): it may not have seen this call
            activeCalls.remove(call);
            return false;
        }
        return true;
    }

    void callClosed(MeshCall<?, ?> call) {
        if (activeCalls.remove(call) && shutdown && activeCalls.isEmpty()) {
            drained();
        }
    }

    /**
     * The endpoint channel for an attempt to {@code endpoint} of {@code cluster} carrying {@code authority}: plain
     * text, or TLS as the cluster's DestinationRule says (mesh-runtime's TLS contexts), or the channel's default
     * TLS when the DestinationRule says nothing and {@link MeshChannelOptions#transportSecurity()} is on.
     *
     * @throws TlsConfigException when the DestinationRule asks for TLS that cannot be set up
     */
    EndpointChannels.Key keyFor(Endpoint endpoint, Cluster cluster, CompiledMesh snapshot, String authority)
            throws TlsConfigException {
        ClientTLSSettings settings = cluster.policy() == null ? null : cluster.policy().tls();
        ClientTlsContext tls = cluster.passthrough() ? null : tlsContexts.forEndpoint(snapshot, cluster, endpoint);
        boolean defaultTls = tls == null && settings == null && options.transportSecurity();
        return new EndpointChannels.Key(endpoint.address(), endpoint.port(), settings, tls, defaultTls,
                tls != null || defaultTls ? authority : null, ConnectionSettings.of(cluster));
    }

    /** Reserves a slot for a mirrored call; false when {@code maxConcurrentMirrors} are in flight. */
    boolean tryStartMirror() {
        for (;;) {
            int n = mirrorsInFlight.get();
            if (n >= options.maxConcurrentMirrors()) {
                return false;
            }
            if (mirrorsInFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void mirrorFinished() {
        mirrorsInFlight.decrementAndGet();
    }

    void shutdown() {
        if (shutdown) {
            return;
        }
        shutdown = true;
        mesh.source().removeListener(configListener);
        if (activeCalls.isEmpty()) {
            drained();
        }
    }

    void shutdownNow() {
        shutdown();
        for (MeshCall<?, ?> call : activeCalls.toArray(new MeshCall<?, ?>[0])) {
            call.cancel("channel shutdownNow invoked", null);
        }
        endpoints.shutdownNow();
        releaseShared();
    }

    private void drained() {
        endpoints.shutdown();
        releaseShared();
    }

    private synchronized void releaseShared() {
        if (!released) {
            released = true;
            terminated.countDown();
            SharedResources.release();
        }
    }

    boolean isShutdown() {
        return shutdown;
    }

    boolean isTerminated() {
        return shutdown && activeCalls.isEmpty() && terminated.getCount() == 0 && endpoints.isTerminated();
    }

    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        if (!terminated.await(timeout, unit)) {
            return false;
        }
        return endpoints.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    ConnectivityState state() {
        return endpoints.state();
    }

    void resetConnectBackoff() {
        endpoints.resetConnectBackoff();
    }

    void enterIdle() {
        endpoints.enterIdle();
    }

    Mesh mesh() {
        return mesh;
    }

    MeshTarget target() {
        return target;
    }

    MeshChannelOptions options() {
        return options;
    }

    EndpointChannels endpoints() {
        return endpoints;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    /** The call engine that carries out this channel's calls. */
    CallEngine engine() {
        return engine;
    }

    /** The randomness for this channel's decisions (seeded in tests). */
    RandomGenerator random() {
        return random != null ? random : java.util.concurrent.ThreadLocalRandom.current();
    }

    /** A call that fails at once with {@code status} (e.g. after shutdown). */
    static <ReqT, RespT> void failNow(ClientCall.Listener<RespT> listener, Executor executor, Status status) {
        executor.execute(() -> listener.onClose(status, new Metadata()));
    }
}
