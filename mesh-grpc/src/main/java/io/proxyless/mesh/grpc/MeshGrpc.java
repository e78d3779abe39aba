package io.proxyless.mesh.grpc;

import io.grpc.Context;
import io.grpc.NameResolver;
import io.grpc.NameResolverRegistry;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
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

    /**
     * The caller's verified SPIFFE id ({@code spiffe://cluster.local/ns/default/sa/sleep}) in the {@link Context} of
     * a call on a {@link #serverBuilder} server; absent ({@code null}) when the call came in plain text.
     *
     * <pre>{@code
     * String caller = MeshGrpc.PEER_IDENTITY.get(); // in a service method
     * }</pre>
     */
    public static final Context.Key<String> PEER_IDENTITY = Context.key("io.proxyless.mesh.peerIdentity");

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

    /**
     * A server builder (grpc-netty-shaded) for {@code port} whose server does what a sidecar does in front of a
     * workload: the PeerAuthentication mode of the port decides, per connection, whether mTLS with the mesh's
     * workload certificates ({@code Mesh.builder().istioCertificates(dir)}, rotation picked up by new connections),
     * plain text or both (PERMISSIVE tells them apart by the connection's first bytes) are accepted; every call is
     * then checked against the AuthorizationPolicies of this workload (denied: {@code PERMISSION_DENIED},
     * {@code RBAC: access denied}) and runs with the caller's identity in {@link #PEER_IDENTITY}. Both read the
     * snapshot in force, so a config change applies to the next connection and call.
     *
     * <pre>{@code
     * Mesh mesh = Mesh.builder().configPaths(Path.of("mesh/")).namespace("default")
     *         .sourceLabels(Map.of("app", "reviews")).istioCertificates(Path.of("/etc/certs")).build();
     * Server server = MeshGrpc.serverBuilder(mesh, 9080).addService(new ReviewsService()).build().start();
     * }</pre>
     *
     * With config from xDS the port's policy is the inbound listener the control plane sends for it
     * ({@code xds.istio.io/grpc/lds/inbound/0.0.0.0:PORT} from istiod, asked for when the builder is created, or at
     * the first connection for port 0): until it has arrived every call is refused, as grpc-java's xDS server is
     * not serving without it.
     *
     * <p>The builder's transport security is the mesh's: setting TLS on it ({@code sslContext},
     * {@code useTransportSecurity}) fails. Interceptors added to the builder later run before the authorization check.
     */
    public static NettyServerBuilder serverBuilder(Mesh mesh, int port) {
        Objects.requireNonNull(mesh, "mesh");
        if (port != 0) {
            // From xDS, the port's inbound listener is asked for now; calls are refused until it has arrived.
            mesh.serveInbound(port);
        }
        PeerAuthenticationNegotiator negotiator = new PeerAuthenticationNegotiator(new MeshInboundConnections(mesh));
        return NettyServerBuilder.forPort(port, InternalNettyServerCredentials.create(negotiator))
                .intercept(new InboundAuthorization(mesh));
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
