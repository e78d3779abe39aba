package io.proxyless.mesh.benchmarks;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.StatusOr;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.StringJoiner;

/**
 * {@code bench-static:///127.0.0.1:1,127.0.0.1:2}: a fixed list of addresses, for the plain round-robin control
 * channel of {@link GrpcBenchmark}.
 */
final class StaticResolver extends NameResolverProvider {
    static final String SCHEME = "bench-static";
    private static boolean registered;

    static synchronized void register() {
        if (!registered) {
            NameResolverRegistry.getDefaultRegistry().register(new StaticResolver());
            registered = true;
        }
    }

    static String target(int[] ports) {
        StringJoiner j = new StringJoiner(",");
        for (int p : ports) {
            j.add("127.0.0.1:" + p);
        }
        return SCHEME + ":///" + j;
    }

    @Override
    public NameResolver newNameResolver(URI uri, NameResolver.Args args) {
        if (!SCHEME.equals(uri.getScheme())) {
            return null;
        }
        List<EquivalentAddressGroup> groups = new ArrayList<>();
        for (String hp : uri.getPath().substring(1).split(",")) {
            int colon = hp.lastIndexOf(':');
            groups.add(new EquivalentAddressGroup(
                    new InetSocketAddress(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1)))));
        }
        return new NameResolver() {
            @Override
            public String getServiceAuthority() {
                return "static";
            }

            @Override
            public void start(Listener2 listener) {
                listener.onResult(ResolutionResult.newBuilder()
                        .setAddressesOrError(StatusOr.fromValue(groups)).build());
            }

            @Override
            public void shutdown() {
            }
        };
    }

    @Override
    public String getDefaultScheme() {
        return SCHEME;
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    @Override
    protected int priority() {
        return 1; // never the default scheme
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InetSocketAddress.class);
    }
}
