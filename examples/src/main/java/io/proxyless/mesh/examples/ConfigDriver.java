package io.proxyless.mesh.examples;

import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.runtime.Mesh;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Where the workloads' meshes take their config from, and how the demo changes it between scenarios: files in a
 * watched directory ({@link FileConfigDriver}) or an embedded xDS server ({@link XdsConfigDriver}). Either way the
 * running meshes pick the change up themselves (hot reload); nothing is restarted.
 */
interface ConfigDriver extends AutoCloseable {
    /** What the meshes read, for the output. */
    String describe();

    /** Builds {@code workload}'s mesh on the config in force; its ISTIO_MUTUAL certificates are in {@code certs}. */
    Mesh mesh(String workload, Path certs);

    /**
     * The environment that points an injected workload's agent at this config, as a pod's spec would
     * ({@code MESH_CONFIG_PATHS}, or {@code GRPC_XDS_BOOTSTRAP} naming a bootstrap for {@code workload} whose
     * certificate provider reads {@code certs}).
     */
    Map<String, String> agentEnvironment(String workload, Path certs);

    /**
     * Makes {@link #apply} wait for an injected workload too: {@code configDump} reads what its agent has in force
     * ({@code /config_dump}; null while it does not answer).
     */
    void addAgent(Supplier<String> configDump);

    /**
     * Builds the mesh a server workload serves with: the PeerAuthentication and AuthorizationPolicies of namespace
     * {@code default} that select {@code labels} decide its inbound side; its certificates are in {@code certs}.
     * It may be built before the first {@link #apply}; every later one waits for it too.
     */
    Mesh serverMesh(String workload, Map<String, String> labels, Path certs);

    /**
     * Makes the example pieces (e.g. {@code config/base}, {@code scenarios/retries}) the config in force, and
     * returns once every mesh built so far routes with it.
     */
    Applied apply(List<String> pieces);

    @Override
    void close();

    /**
     * What an {@link #apply} did: the rendered files, the config's warnings (as {@code mesh validate} prints
     * them) and how long until every mesh routed with it.
     */
    record Applied(List<Path> files, List<String> warnings, Duration took) {
    }

    /** Resources by identity and content, without where they were read from. */
    static Set<List<Object>> fingerprint(List<Resource<?>> resources) {
        Set<List<Object>> out = new HashSet<>();
        for (Resource<?> r : resources) {
            out.add(List.of(r.kind(), r.metadata(), r.spec()));
        }
        return out;
    }
}
