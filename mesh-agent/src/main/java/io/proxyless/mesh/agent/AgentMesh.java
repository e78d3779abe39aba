package io.proxyless.mesh.agent;

import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.source.ConfigSource;
import io.proxyless.mesh.runtime.source.ConfigSourceProvider;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Builds the workload's one {@link Mesh} from the agent's settings, with the public builder an application uses:
 * Istio YAML files when they are named, else the xDS control plane of the grpc-java bootstrap (istiod's
 * {@code GRPC_XDS_BOOTSTRAP}), through the xDS source the agent jar carries with its gRPC and protobuf relocated
 * ({@link AgentXds}).
 */
final class AgentMesh {
    private AgentMesh() {
    }

    /**
     * The mesh, its config loaded, compiled and watched (files), or received from the control plane (xDS).
     *
     * @throws IllegalStateException when no config is named, or no complete xDS config arrives in time
     * @throws RuntimeException      when the config is invalid ({@code ConfigException}, every problem listed) or
     *                               the xDS bootstrap cannot be used (naming the file and field)
     */
    static Running build(AgentSettings settings) {
        return build(settings, System::getenv);
    }

    static Running build(AgentSettings settings, Function<String, String> env) {
        check(settings);
        Mesh.Builder b = Mesh.builder();
        String namespace = settings.namespace();
        ConfigSource xdsSource = null;
        if (!settings.configPaths().isEmpty()) {
            b.configPaths(settings.configPaths());
        } else {
            // As Mesh.builder().xdsBootstrap(..) does with mesh-xds on the class path; here the source's provider
            // comes from the agent's own class loader for it.
            ConfigSourceProvider.Bootstrap bootstrap = xdsBootstrap(settings, AgentXds.provider(), env);
            if (namespace == null) {
                namespace = bootstrap.namespace().orElse(null);
            }
            if (!bootstrap.locality().isEmpty()) {
                b.locality(bootstrap.locality());
            }
            xdsSource = bootstrap.connect(namespace != null ? namespace : ConfigLoader.DEFAULT_NAMESPACE,
                    MeshClock.system());
            b.configSource(xdsSource);
        }
        if (namespace != null) {
            b.namespace(namespace);
        }
        if (settings.certsDir() != null) {
            // the mesh's workload certificates: ISTIO_MUTUAL's client side, watched for rotation
            b.istioCertificates(settings.certsDir());
        }
        try {
            return new Running(b.build(), xdsSource);
        } catch (RuntimeException | Error e) {
            // a mesh that never came up must not leave its ADS stream retrying the control plane behind it
            if (xdsSource != null) {
                xdsSource.close();
            }
            throw e;
        }
    }

    /**
     * The workload's mesh and what has to be closed with it: a mesh does not close a source it was handed
     * ({@code Mesh.Builder.configSource}), so the xDS source is closed here.
     *
     * @param mesh      the mesh
     * @param xdsSource the xDS source, or null (files: the mesh owns its file source)
     */
    record Running(Mesh mesh, ConfigSource xdsSource) implements AutoCloseable {
        @Override
        public void close() {
            mesh.close();
            if (xdsSource != null) {
                xdsSource.close();
            }
        }
    }

    /** The bootstrap file, else the bootstrap JSON: as an agent argument, or grpc-java's environment variable. */
    private static ConfigSourceProvider.Bootstrap xdsBootstrap(AgentSettings settings, ConfigSourceProvider xds,
                                                              Function<String, String> env) {
        if (settings.xdsBootstrap() != null) {
            return xds.bootstrap(settings.xdsBootstrap());
        }
        if (settings.xdsBootstrapConfig().equals(env.apply(AgentSettings.KEYS.get("xdsBootstrapConfig")))) {
            // $GRPC_XDS_BOOTSTRAP_CONFIG itself: read as grpc-java reads it, errors naming the variable
            return xds.fromEnvironment().orElseThrow();
        }
        // JSON given as an agent argument: the provider reads JSON only from the environment
        return xds.bootstrap(writeBootstrap(settings.xdsBootstrapConfig()));
    }

    /**
     * Fails fast, before anything is loaded or instrumented, when the settings cannot give a mesh at all.
     *
     * @throws IllegalStateException when no config is named, or the files named are not there
     */
    static void check(AgentSettings settings) {
        if (!settings.hasConfig()) {
            throw new IllegalStateException("no mesh config: set MESH_CONFIG_PATHS (or the agent argument "
                    + "configPaths=) to Istio YAML files or directories, or GRPC_XDS_BOOTSTRAP (xdsBootstrap=) to "
                    + "an xDS bootstrap file");
        }
        // Checked here, cheaply, so that a config that is not there leaves no client touched at all.
        for (Path p : settings.configPaths()) {
            if (!Files.exists(p)) {
                throw new IllegalStateException("mesh config " + p + " (MESH_CONFIG_PATHS / configPaths=) does not "
                        + "exist");
            }
        }
        if (settings.configPaths().isEmpty() && settings.xdsBootstrap() != null
                && !Files.isReadable(settings.xdsBootstrap())) {
            throw new IllegalStateException("xDS bootstrap " + settings.xdsBootstrap() + " (GRPC_XDS_BOOTSTRAP / "
                    + "xdsBootstrap=) is not a readable file");
        }
    }

    private static Path writeBootstrap(String json) {
        try {
            Path file = Files.createTempFile("mesh-agent-xds-bootstrap", ".json");
            file.toFile().deleteOnExit();
            return Files.writeString(file, json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the xDS bootstrap JSON (xdsBootstrapConfig) to a file", e);
        }
    }
}
