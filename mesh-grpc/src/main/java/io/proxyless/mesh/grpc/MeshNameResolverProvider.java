package io.proxyless.mesh.grpc;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;

/**
 * The {@code mesh} scheme: {@code ManagedChannelBuilder.forTarget("mesh:///reviews:9080")}. Registered through
 * {@code META-INF/services/io.grpc.NameResolverProvider}; see {@link MeshGrpc} for what the channels do.
 */
public final class MeshNameResolverProvider extends NameResolverProvider {

    /** Service-loader constructor. */
    public MeshNameResolverProvider() {
    }

    @Override
    public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
        if (!MeshGrpc.SCHEME.equalsIgnoreCase(targetUri.getScheme())) {
            return null;
        }
        String path = targetUri.getPath();
        if (path == null || path.length() <= 1) {
            throw new IllegalArgumentException("mesh target needs a host: mesh:///host:port, got " + targetUri);
        }
        MeshTarget target = MeshTarget.parse(path.substring(1));
        return new MeshNameResolver(target, args);
    }

    @Override
    public String getDefaultScheme() {
        return MeshGrpc.SCHEME;
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    /**
     * Below gRPC's DNS resolver (5): the provider with the highest priority supplies the default scheme of every
     * channel in the JVM whose target has none ({@code "127.0.0.1:15010"}, {@code forAddress(host, port)}). At a
     * tie, class-path order decided, and {@code mesh} could become that default, sending the xDS source's own
     * control-plane channel, grpc-xds's, DNS endpoint channels and the application's plain channels to
     * {@code mesh:///}. Only {@code mesh:} targets are meant for this provider.
     */
    @Override
    protected int priority() {
        return 4;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InetSocketAddress.class);
    }
}
