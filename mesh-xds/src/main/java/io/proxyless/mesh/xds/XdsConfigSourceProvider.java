package io.proxyless.mesh.xds;

import io.proxyless.mesh.runtime.source.ConfigSource;
import io.proxyless.mesh.runtime.source.ConfigSourceProvider;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Plugs the xDS source into {@code Mesh.builder().xdsBootstrap(path)} (and the {@code GRPC_XDS_BOOTSTRAP}
 * fallback) through {@link java.util.ServiceLoader}: having this module on the classpath is all it takes.
 */
public final class XdsConfigSourceProvider implements ConfigSourceProvider {

    @Override
    public String kind() {
        return XDS;
    }

    /** @throws XdsBootstrapException naming the file and the field when the bootstrap cannot be used */
    @Override
    public Bootstrap bootstrap(Path file) {
        return new Read(XdsBootstrap.read(file));
    }

    @Override
    public Optional<Bootstrap> fromEnvironment() {
        return XdsBootstrap.fromEnvironment().map(Read::new);
    }

    private record Read(XdsBootstrap bootstrap) implements Bootstrap {
        @Override
        public Optional<String> namespace() {
            return bootstrap.node().namespace();
        }

        @Override
        public String locality() {
            return bootstrap.node().locality();
        }

        @Override
        public ConfigSource connect(String namespace, MeshClock clock) {
            return XdsConfigSource.connect(bootstrap, namespace, clock);
        }
    }
}
