package io.proxyless.mesh.grpc;

import io.grpc.NameResolver;
import io.grpc.NameResolverRegistry;
import io.proxyless.mesh.runtime.Mesh;
import java.util.Objects;

/**
 * gRPC entry points: channels whose calls the mesh routes one by one, as Istio's sidecar would route them.
 *
 * <pre>{@code
 * Mesh mesh = Mesh.builder().configPaths(Path.of("mesh/")).namespace("default").build();
 * ManagedChannel ch = MeshGrpc.channelBuilder(mesh, "reviews.default.svc.cluster.local:9080")
 *         .usePlaintext().build();
 *
 * // or, for any channel built from a target string:
 * MeshGrpc.registerDefault(mesh);
 * ManagedChannel ch2 = ManagedChannelBuilder.forTarget("mesh:///reviews:9080").usePlaintext().build();
 * }</pre>
 *
 * <h2>What a call goes through</h2>
 * Each call is routed when it starts: the VirtualService match sees the full method path
 * ({@code /pkg.Service/Method}) as {@code uri}, the request metadata as {@code headers}, the call's authority as
 * {@code authority}; the weighted destination is drawn per call. The call then runs as attempts on one gRPC
 * connection per endpoint, balanced by the destination's DestinationRule, with its circuit breaker, outlier
 * detection, retries, per-try timeout, route timeout (as the call's deadline), fault injection and mirroring;
 * config reloads apply to the next call without disturbing calls in flight. A call the mesh refuses fails with a
 * status whose description starts with {@code mesh:} and names the host, the route and the reason.
 *
 * <h2>{@code mesh:///} targets</h2>
 * The {@code mesh} scheme's {@link io.grpc.NameResolverProvider} is registered through {@code META-INF/services}.
 * Its resolver hands the channel a config selector (the mechanism grpc-xds uses for its routing) that sends every
 * call through the mesh, so such a channel behaves exactly like a {@link #channelBuilder} channel. It uses the
 * mesh set with {@link #registerDefault}, or one passed per channel:
 * {@code ManagedChannelBuilder.forTarget("mesh:///reviews:9080").setNameResolverArg(MeshGrpc.MESH, mesh)}.
 * The outer channel's own transport settings (e.g. {@code usePlaintext()}) are not visible to a name resolver:
 * endpoint connections are plain text unless the DestinationRule or {@link MeshChannelOptions#transportSecurity()}
 * says TLS, and take the channel's {@code childChannelConfigurator}. Do not disable service-config lookup on a
 * {@code mesh:///} channel: gRPC then ignores the config selector and the calls fail with a status saying so.
 */
public final class MeshGrpc {
    /** The target scheme: {@code mesh:///host:port}. */
    public static final String SCHEME = "mesh";

    /** Name-resolver argument: the {@link Mesh} for one {@code mesh:///} channel (instead of the default). */
    public static final NameResolver.Args.Key<Mesh> MESH = NameResolver.Args.Key.create("io.proxyless.mesh.Mesh");

    /** Name-resolver argument: the {@link MeshChannelOptions} for one {@code mesh:///} channel. */
    public static final NameResolver.Args.Key<MeshChannelOptions> OPTIONS =
            NameResolver.Args.Key.create("io.proxyless.mesh.grpc.MeshChannelOptions");

    private static volatile Registration defaultMesh;

    /** The default mesh for {@code mesh:///} targets and its options. */
    record Registration(Mesh mesh, MeshChannelOptions options) {
    }

    private MeshGrpc() {
    }

    /**
     * A builder for a channel to {@code target} ({@code host:port}, e.g. {@code reviews:9080} or
     * {@code reviews.default.svc.cluster.local:9080}; a short name is qualified with the mesh's namespace).
     */
    public static MeshChannelBuilder channelBuilder(Mesh mesh, String target) {
        return new MeshChannelBuilder(mesh, MeshTarget.parse(target));
    }

    /** Makes {@code mesh} the one {@code mesh:///} targets use, with default options. */
    public static void registerDefault(Mesh mesh) {
        registerDefault(mesh, MeshChannelOptions.defaults());
    }

    /**
     * Makes {@code mesh} the one {@code mesh:///} targets use. Channels already built keep the mesh they
     * resolved with. Also registers the {@code mesh} scheme with gRPC's default registry if service loading did
     * not (e.g. in a shaded jar that dropped {@code META-INF/services}).
     */
    public static void registerDefault(Mesh mesh, MeshChannelOptions options) {
        defaultMesh = new Registration(Objects.requireNonNull(mesh, "mesh"), Objects.requireNonNull(options));
        NameResolverRegistry registry = NameResolverRegistry.getDefaultRegistry();
        if (registry.getProviderForScheme(SCHEME) == null) {
            registry.register(new MeshNameResolverProvider());
        }
    }

    /** Forgets the default mesh (only if it is still {@code mesh}); later {@code mesh:///} channels fail to resolve. */
    public static void unregisterDefault(Mesh mesh) {
        Registration r = defaultMesh;
        if (r != null && r.mesh() == mesh) {
            defaultMesh = null;
        }
    }

    static Registration defaultRegistration() {
        return defaultMesh;
    }

    /** For the {@code ManagedChannelBuilder.forTarget} form: {@code mesh:///host:port}. */
    public static String target(String hostPort) {
        return SCHEME + ":///" + hostPort;
    }
}
