package io.proxyless.mesh.xds;

import java.util.Map;

/**
 * A real xDS control plane serving Bookinfo as istiod would (sidecar shape, default routes), for the CLI's
 * {@code --bootstrap} tests. It lives in this package because mesh-xds's test server and fixtures are
 * package-private.
 */
public final class BookinfoXdsServer implements AutoCloseable {
    private final XdsTestServer server = new XdsTestServer();

    public BookinfoXdsServer() {
        server.set(XdsFixtures.bookinfo(false, Map.of()));
    }

    /** A grpc-java bootstrap (the format istio-agent writes) pointing at this server. */
    public String bootstrapJson() {
        return server.bootstrapJson(false, false);
    }

    @Override
    public void close() {
        server.close();
    }
}
