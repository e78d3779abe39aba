package io.proxyless.mesh.agent;

import io.proxyless.mesh.runtime.Mesh;

/** Builds the workload's one {@link Mesh} from the agent's settings, with the public builder an application uses. */
final class AgentMesh {
    private AgentMesh() {
    }

    /**
     * The mesh, its config loaded, compiled and watched.
     *
     * @throws IllegalStateException when no config is named, or it names xDS (not yet carried by the agent)
     * @throws RuntimeException      when the config is invalid ({@code ConfigException}, every problem listed)
     */
    static Mesh build(AgentSettings settings) {
        check(settings);
        Mesh.Builder b = Mesh.builder().configPaths(settings.configPaths());
        if (settings.namespace() != null) {
            b.namespace(settings.namespace());
        }
        if (settings.certsDir() != null) {
            // the mesh's workload certificates: ISTIO_MUTUAL's client side, watched for rotation
            b.istioCertificates(settings.certsDir());
        }
        return b.build();
    }

    /**
     * Fails fast, before anything is loaded or instrumented, when the settings cannot give a mesh at all.
     *
     * @throws IllegalStateException when no config is named, or it names xDS (not yet carried by the agent)
     */
    static void check(AgentSettings settings) {
        if (settings.configPaths().isEmpty()) {
            if (settings.xdsBootstrap() != null || settings.xdsBootstrapConfig() != null) {
                // The xDS source needs protobuf and grpc-java of its own; the agent does not carry them yet.
                throw new IllegalStateException("xDS config (GRPC_XDS_BOOTSTRAP / GRPC_XDS_BOOTSTRAP_CONFIG) is not "
                        + "supported by the agent yet: set MESH_CONFIG_PATHS (or configPaths=) to Istio YAML files");
            }
            throw new IllegalStateException("no mesh config: set MESH_CONFIG_PATHS (or the agent argument "
                    + "configPaths=) to Istio YAML files or directories");
        }
    }
}
