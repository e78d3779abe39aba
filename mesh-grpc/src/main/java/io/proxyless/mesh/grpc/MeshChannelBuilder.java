package io.proxyless.mesh.grpc;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.BinaryLog;
import io.grpc.ChannelConfigurator;
import io.grpc.ClientInterceptor;
import io.grpc.ClientTransportFilter;
import io.grpc.CompressorRegistry;
import io.grpc.DecompressorRegistry;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolver;
import io.grpc.ProxyDetector;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.event.MeshListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Builds a channel to one logical service whose calls the mesh routes one by one. Obtain it from
 * {@link MeshGrpc#channelBuilder(Mesh, String)}.
 *
 * <pre>{@code
 * ManagedChannel ch = MeshGrpc.channelBuilder(mesh, "reviews.default.svc.cluster.local:9080")
 *         .usePlaintext()
 *         .build();
 * }</pre>
 *
 * <p>Settings split in three:
 * <ul>
 *   <li><b>the logical call</b> — {@link #intercept interceptors} run once per call, before the mesh;
 *       {@link #executor executor} receives the listener callbacks; {@link #overrideAuthority overrideAuthority}
 *       is the authority calls carry and VirtualService {@code authority} matches see;</li>
 *   <li><b>the endpoint connections</b> — user agent, message and metadata limits, keepalive, idle timeout,
 *       compression registries, proxy detector, binary log, and anything set through
 *       {@link #childChannelConfigurator}, apply to the channel the mesh opens to each endpoint;</li>
 *   <li><b>transport security</b> — plain text unless {@link #useTransportSecurity()}; a DestinationRule's
 *       {@code tls} block for the destination decides over both.</li>
 * </ul>
 * Load balancing, name resolution and retries are the mesh's: {@link #defaultLoadBalancingPolicy},
 * {@link #nameResolverFactory} and {@link #setNameResolverArg} are refused. gRPC's own retries stay on for
 * endpoint connections but without a service config they are only its safe transparent retries.
 */
public final class MeshChannelBuilder extends ManagedChannelBuilder<MeshChannelBuilder> {
    private final Mesh mesh;
    private final MeshTarget target;
    private final List<ClientInterceptor> interceptors = new ArrayList<>();
    private final List<Consumer<ManagedChannelBuilder<?>>> endpointSettings = new ArrayList<>();
    private MeshChannelOptions options = MeshChannelOptions.defaults();
    private ChannelConfigurator childConfigurator;
    private Executor executor;
    private String authority;
    private RandomGenerator random;
    private MeshListener listener = MeshListener.NONE;

    MeshChannelBuilder(Mesh mesh, MeshTarget target) {
        this.mesh = Objects.requireNonNull(mesh, "mesh");
        this.target = Objects.requireNonNull(target, "target");
    }

    /** Mesh-specific settings (mirroring authority, retry buffer, mirror limits, default TLS). */
    public MeshChannelBuilder meshOptions(MeshChannelOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        return this;
    }

    /**
     * Receives the mesh events of this channel's calls (routing, attempts, retries, faults, overflows, mirrors,
     * TLS failures, call ends), after the listener of the {@link Mesh} itself.
     */
    public MeshChannelBuilder listener(MeshListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** Randomness for weights, faults, mirrors and balancing (seeded in tests); must be thread-safe. */
    MeshChannelBuilder random(RandomGenerator random) {
        this.random = random;
        return this;
    }

    @Override
    public MeshChannelBuilder directExecutor() {
        // Guava's instance, which calls recognise to deliver callbacks without a hop.
        this.executor = MoreExecutors.directExecutor();
        return this;
    }

    @Override
    public MeshChannelBuilder executor(Executor executor) {
        this.executor = executor;
        return this;
    }

    @Override
    public MeshChannelBuilder offloadExecutor(Executor executor) {
        return endpoint(b -> b.offloadExecutor(executor));
    }

    @Override
    public MeshChannelBuilder intercept(List<ClientInterceptor> interceptors) {
        this.interceptors.addAll(interceptors);
        return this;
    }

    @Override
    public MeshChannelBuilder intercept(ClientInterceptor... interceptors) {
        return intercept(Arrays.asList(interceptors));
    }

    @Override
    public MeshChannelBuilder addTransportFilter(ClientTransportFilter filter) {
        return endpoint(b -> b.addTransportFilter(filter));
    }

    @Override
    public MeshChannelBuilder userAgent(String userAgent) {
        return endpoint(b -> b.userAgent(userAgent));
    }

    /** The authority calls carry (and VirtualService {@code authority} matches see); the target's by default. */
    @Override
    public MeshChannelBuilder overrideAuthority(String authority) {
        this.authority = authority;
        return this;
    }

    /** Plain text to endpoints whose DestinationRule sets no {@code tls} (the default). */
    @Override
    public MeshChannelBuilder usePlaintext() {
        options = options.withTransportSecurity(false);
        return this;
    }

    /** TLS with the system's trust roots to endpoints whose DestinationRule sets no {@code tls}. */
    @Override
    public MeshChannelBuilder useTransportSecurity() {
        options = options.withTransportSecurity(true);
        return this;
    }

    /** Refused: the mesh resolves the target from its own registry. */
    @Override
    @Deprecated
    public MeshChannelBuilder nameResolverFactory(NameResolver.Factory resolverFactory) {
        throw new UnsupportedOperationException("a mesh channel resolves endpoints from the mesh registry");
    }

    /** Refused: the destination's DestinationRule chooses the load balancer. */
    @Override
    public MeshChannelBuilder defaultLoadBalancingPolicy(String policy) {
        throw new UnsupportedOperationException(
                "a mesh channel balances as the destination's DestinationRule says (trafficPolicy.loadBalancer)");
    }

    @Override
    public MeshChannelBuilder decompressorRegistry(DecompressorRegistry registry) {
        return endpoint(b -> b.decompressorRegistry(registry));
    }

    @Override
    public MeshChannelBuilder compressorRegistry(CompressorRegistry registry) {
        return endpoint(b -> b.compressorRegistry(registry));
    }

    @Override
    public MeshChannelBuilder idleTimeout(long value, TimeUnit unit) {
        return endpoint(b -> b.idleTimeout(value, unit));
    }

    @Override
    public MeshChannelBuilder maxInboundMessageSize(int bytes) {
        return endpoint(b -> b.maxInboundMessageSize(bytes));
    }

    @Override
    public MeshChannelBuilder maxInboundMetadataSize(int bytes) {
        return endpoint(b -> b.maxInboundMetadataSize(bytes));
    }

    @Override
    public MeshChannelBuilder keepAliveTime(long keepAliveTime, TimeUnit timeUnit) {
        return endpoint(b -> b.keepAliveTime(keepAliveTime, timeUnit));
    }

    @Override
    public MeshChannelBuilder keepAliveTimeout(long keepAliveTimeout, TimeUnit timeUnit) {
        return endpoint(b -> b.keepAliveTimeout(keepAliveTimeout, timeUnit));
    }

    @Override
    public MeshChannelBuilder keepAliveWithoutCalls(boolean enable) {
        return endpoint(b -> b.keepAliveWithoutCalls(enable));
    }

    /** gRPC's own retry settings, for the endpoint connections (the mesh's retries come from the route). */
    @Override
    public MeshChannelBuilder maxRetryAttempts(int maxRetryAttempts) {
        return endpoint(b -> b.maxRetryAttempts(maxRetryAttempts));
    }

    @Override
    public MeshChannelBuilder maxHedgedAttempts(int maxHedgedAttempts) {
        return endpoint(b -> b.maxHedgedAttempts(maxHedgedAttempts));
    }

    @Override
    public MeshChannelBuilder retryBufferSize(long bytes) {
        return endpoint(b -> b.retryBufferSize(bytes));
    }

    @Override
    public MeshChannelBuilder perRpcBufferLimit(long bytes) {
        return endpoint(b -> b.perRpcBufferLimit(bytes));
    }

    /** Turns off gRPC's transparent retries on endpoint connections (the mesh's retries are unaffected). */
    @Override
    public MeshChannelBuilder disableRetry() {
        return endpoint(ManagedChannelBuilder::disableRetry);
    }

    @Override
    public MeshChannelBuilder enableRetry() {
        return endpoint(ManagedChannelBuilder::enableRetry);
    }

    @Override
    public MeshChannelBuilder setBinaryLog(BinaryLog binaryLog) {
        return endpoint(b -> b.setBinaryLog(binaryLog));
    }

    @Override
    public MeshChannelBuilder maxTraceEvents(int maxTraceEvents) {
        return endpoint(b -> b.maxTraceEvents(maxTraceEvents));
    }

    @Override
    public MeshChannelBuilder proxyDetector(ProxyDetector proxyDetector) {
        return endpoint(b -> b.proxyDetector(proxyDetector));
    }

    /** A service config for the endpoint connections (method configs such as {@code waitForReady}). */
    @Override
    public MeshChannelBuilder defaultServiceConfig(Map<String, ?> serviceConfig) {
        return endpoint(b -> b.defaultServiceConfig(serviceConfig));
    }

    @Override
    public MeshChannelBuilder disableServiceConfigLookUp() {
        return endpoint(ManagedChannelBuilder::disableServiceConfigLookUp);
    }

    /** Applied to the builder of every endpoint connection, after the settings above. */
    @Override
    public MeshChannelBuilder childChannelConfigurator(ChannelConfigurator configurator) {
        this.childConfigurator = configurator;
        return this;
    }

    /** Refused: a mesh channel has no name resolver to pass arguments to. */
    @Override
    public <X> MeshChannelBuilder setNameResolverArg(NameResolver.Args.Key<X> key, X value) {
        throw new UnsupportedOperationException("a mesh channel resolves endpoints from the mesh registry");
    }

    @Override
    public ManagedChannel build() {
        List<Consumer<ManagedChannelBuilder<?>>> settings = List.copyOf(endpointSettings);
        ChannelConfigurator child = childConfigurator;
        ChannelConfigurator configurator = b -> {
            for (Consumer<ManagedChannelBuilder<?>> s : settings) {
                s.accept(b);
            }
            if (child != null) {
                child.configureChannelBuilder(b);
            }
        };
        MeshChannel channel = new MeshChannel(mesh, target, authority, options, executor, configurator, random,
                listener);
        return new MeshManagedChannel(channel, List.copyOf(interceptors));
    }

    private MeshChannelBuilder endpoint(Consumer<ManagedChannelBuilder<?>> setting) {
        endpointSettings.add(setting);
        return this;
    }
}
