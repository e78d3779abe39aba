package io.proxyless.mesh.agent;

import com.google.common.net.HostAndPort;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.proxyless.mesh.grpc.MeshGrpc;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import java.net.URI;

/**
 * Turns channel builders for mesh hosts into mesh channel builders ({@link MeshGrpc#channelBuilder}): each call
 * on such a channel is routed by the mesh. A target the mesh does not know, a target with a name-resolver
 * scheme other than {@code dns}, and a channel with credentials other than insecure ones (the application
 * chose its own transport security) are left to grpc-java.
 *
 * <p>Whether a host is the mesh's is decided when the channel is built, on the config then in force: a channel
 * built for a host the mesh learns later stays a plain channel.
 */
final class GrpcHook {
    private final Mesh mesh;

    /** The transport mesh channels open their endpoint connections with (mesh-grpc's). */
    static final String NETTY_SHADED = "io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder";

    /**
     * @throws IllegalStateException when the application has no grpc-netty-shaded, the transport the mesh's
     *                               endpoint connections use
     */
    GrpcHook(Mesh mesh) {
        try {
            Class.forName(NETTY_SHADED, false, GrpcHook.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("mesh channels need grpc-netty-shaded (" + NETTY_SHADED + ") on the "
                    + "application's class path");
        }
        this.mesh = mesh;
    }

    /** {@code forTarget(target)} or {@code Grpc.newChannelBuilder(target, credentials)}. */
    ManagedChannelBuilder<?> forTarget(String target, Object credentials) {
        String authority = authority(target);
        if (authority == null) {
            return null;
        }
        HostAndPort hp;
        try {
            hp = HostAndPort.fromString(authority);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return hp.hasPort() ? forAddress(hp.getHost(), hp.getPort(), credentials) : null;
    }

    /** {@code forAddress(host, port)} or {@code Grpc.newChannelBuilderForAddress(host, port, credentials)}. */
    ManagedChannelBuilder<?> forAddress(String host, int port, Object credentials) {
        if (credentials != null && !(credentials instanceof InsecureChannelCredentials)) {
            return null;
        }
        if (!inMesh(host, port)) {
            return null;
        }
        return MeshGrpc.channelBuilder(mesh, HostAndPort.fromParts(host, port).toString());
    }

    /** {@code host:port}, {@code dns:///host:port}: the authority; any other scheme: null. */
    private static String authority(String target) {
        if (!target.contains(":/")) {
            return target;
        }
        try {
            URI uri = new URI(target);
            if ("dns".equals(uri.getScheme()) && uri.getPath() != null && uri.getPath().length() > 1) {
                return uri.getPath().substring(1);
            }
        } catch (java.net.URISyntaxException e) {
            return null;
        }
        return null;
    }

    /** Whether the mesh routes {@code host:port}: anything but Istio's passthrough for an unknown host. */
    private boolean inMesh(String host, int port) {
        RouteDecision d = mesh.route(RouteRequest.builder("POST", "http://" + HostAndPort.fromParts(host, port)
                + "/").build());
        return !(d.route() == null && d.cluster() != null && d.cluster().passthrough());
    }
}
