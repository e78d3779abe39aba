package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.policy.ClusterPolicy;
import io.proxyless.mesh.runtime.registry.MeshService;
import io.proxyless.mesh.runtime.registry.ServiceRegistry;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a compilation of Istio config decided apart from endpoints, so that the next one, when only endpoints moved
 * (the most frequent change: pods rescheduled, a ServiceEntry's endpoint list edited), redoes only the clusters of
 * the services whose endpoints moved and takes everything else from the snapshot it compiled; and, when only
 * VirtualServices and DestinationRules changed ({@link RouteChanges}), redoes only the hosts they touch.
 *
 * <p>Endpoints decide nothing outside their clusters: which services exist and who sees them, which
 * VirtualService owns a host, its routes and destinations, the DestinationRule policies, and so the route
 * configurations, depend on the rest of the config. So when the config holds the same resources apart from
 * ServiceEntries and WorkloadEntries (the registry's inputs), with the same findings, and its registry has the
 * same services apart from their endpoint tables ({@link #onlyEndpointsMoved}), the route model is the previous
 * one with the clusters of the moved services written again. {@code IncrementalCompilePropertyTest} checks that
 * this compiles to what a full compilation does.
 *
 * @param compiled       the snapshot the decisions were compiled into (held weakly: only the snapshot in force is
 *                       patched, and a dropped one must not be kept alive here)
 * @param config         the config they were compiled from (held weakly too: its source holds it while in force)
 * @param decisions      the warnings of the decisions (host ownership, routes, DestinationRule merges), which
 *                       follow the registry's own
 * @param routeWarnings  the route model's warnings about virtual hosts and routes
 * @param clusters       every cluster the decisions asked for, in their order, by name
 * @param missing        why clusters routes name but the model lacks are missing
 * @param destinationRules the DestinationRules by qualified host (the same while only endpoints move)
 * @param owners         the position (in the config's resources) of the VirtualService that owns each host, by
 *                       host: a changed VirtualService's routes are decided again for the hosts it owns
 *                       ({@link RouteChanges})
 * @param dependents     the hosts whose routes send or mirror to a host, by that host (itself left out): a
 *                       changed DestinationRule changes the routes of those too (the clusters' hashing decides
 *                       theirs)
 */
record EndpointMoves(WeakReference<CompiledMesh> compiled, WeakReference<MeshConfig> config, List<String> decisions,
                     List<String> routeWarnings, Map<String, Decided> clusters,
                     Map<String, RouteTables.Missing> missing, MeshCompiler.DrIndex destinationRules,
                     Map<String, Integer> owners, Map<String, Set<String>> dependents) {

    /**
     * One cluster the decisions asked for: the service port (and subset) it stands for, the DestinationRule policy
     * it was compiled with, and why the route model left it out (null when it holds it).
     */
    record Decided(String host, String subset, int port, ClusterPolicy policy, String leftOut) {
        static Decided of(IstioCluster c, String leftOut) {
            return new Decided(c.host(), c.subset(), c.port(), c.policy(), leftOut);
        }
    }

    /** The config {@code snapshot} was compiled from, when these are its decisions and it is still held; else null. */
    MeshConfig configOf(CompiledMesh snapshot) {
        return snapshot != null && compiled.get() == snapshot ? config.get() : null;
    }

    /**
     * Whether {@code config} (with {@code registry}, built from it) differs from {@code was} (with
     * {@code wasRegistry}) only in endpoints: the same resources in the same order apart from ServiceEntries and
     * WorkloadEntries, the same Kubernetes objects and findings, and a registry with the same services, Sidecar and
     * outbound policy, only their endpoint tables possibly different.
     */
    static boolean onlyEndpointsMoved(MeshConfig was, ServiceRegistry wasRegistry, MeshConfig config,
                                      ServiceRegistry registry) {
        if (wasRegistry == null || was.model().isPresent()
                || was.resources().size() != config.resources().size()
                || !was.kubernetes().equals(config.kubernetes()) || !was.warnings().equals(config.warnings())
                || !registry.outboundTrafficPolicy().equals(wasRegistry.outboundTrafficPolicy())
                || !registry.sidecar().equals(wasRegistry.sidecar())
                || registry.services().size() != wasRegistry.services().size()) {
            return false;
        }
        for (int i = 0; i < config.resources().size(); i++) {
            Resource<?> a = config.resources().get(i);
            Resource<?> b = was.resources().get(i);
            // Resources of files that did not change are the very objects of the config before.
            if (a != b && !a.equals(b) && !(registryInput(a) && a.kind() == b.kind()
                    && a.metadata().equals(b.metadata()))) {
                return false;
            }
        }
        for (int i = 0; i < registry.services().size(); i++) {
            if (!sameButEndpoints(registry.services().get(i), wasRegistry.services().get(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean registryInput(Resource<?> r) {
        return r.kind() == ResourceKind.SERVICE_ENTRY || r.kind() == ResourceKind.WORKLOAD_ENTRY;
    }

    private static boolean sameButEndpoints(MeshService a, MeshService b) {
        return a == b || a.host().equals(b.host()) && a.namespace().equals(b.namespace())
                && a.ports().equals(b.ports()) && a.location() == b.location() && a.resolution() == b.resolution()
                && a.exportTo().equals(b.exportTo()) && a.subjectAltNames().equals(b.subjectAltNames())
                && a.addresses().equals(b.addresses()) && Objects.equals(a.source(), b.source());
    }
}
