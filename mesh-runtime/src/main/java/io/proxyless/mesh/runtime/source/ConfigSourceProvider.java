package io.proxyless.mesh.runtime.source;

import io.proxyless.mesh.runtime.time.MeshClock;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A kind of {@link ConfigSource} that lives in a module of its own, found with {@link java.util.ServiceLoader}
 * so that the runtime does not carry that module's dependencies. The xDS source ({@code io.proxyless:mesh-xds},
 * with grpc, protobuf and the Envoy API) is one: {@code Mesh.builder().xdsBootstrap(path)} looks up the provider
 * of kind {@value #XDS} and fails with a message naming the module when it is not on the classpath.
 *
 * <p>A provider is registered in {@code META-INF/services/io.proxyless.mesh.runtime.source.ConfigSourceProvider}
 * and needs a public no-argument constructor.
 */
public interface ConfigSourceProvider {

    /** The kind of the xDS source. */
    String XDS = "xds";

    /** What the source is, e.g. {@value #XDS}. */
    String kind();

    /**
     * Reads the bootstrap in {@code file}.
     *
     * @throws RuntimeException with a message naming the file and the field, when the bootstrap cannot be used
     */
    Bootstrap bootstrap(Path file);

    /** The bootstrap the environment names (for xDS: {@code GRPC_XDS_BOOTSTRAP} and friends), if any. */
    Optional<Bootstrap> fromEnvironment();

    /** A bootstrap that has been read: what it says about the client, and how to start the source it names. */
    interface Bootstrap {

        /** The client's namespace, when the bootstrap names one (Istio's node metadata does). */
        Optional<String> namespace();

        /** The client's locality, {@code region/zone/subzone}; empty when not known. */
        String locality();

        /**
         * Starts the source and waits for its first complete config.
         *
         * @param namespace the client's namespace, for short names in the resources
         * @param clock     the clock for the source's timers
         * @throws IllegalStateException when no complete config arrives in time (the message says what is missing)
         */
        ConfigSource connect(String namespace, MeshClock clock);
    }
}
