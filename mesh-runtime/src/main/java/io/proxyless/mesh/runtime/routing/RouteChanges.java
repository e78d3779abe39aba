package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.VirtualService;
import io.proxyless.mesh.runtime.config.MeshConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The VirtualServices and DestinationRules that changed between the config a snapshot was compiled from and the
 * next one, when nothing else that the compilation reads did: then the registry, host ownership and every other
 * host's routes and clusters stand, and only the hosts the changed resources touch are decided again
 * ({@code MeshCompiler}'s route-change path).
 *
 * <p>A change qualifies when both configs hold the same resources in the same positions (the same kind and
 * metadata), equal in content apart from some VirtualServices and DestinationRules, with the same Kubernetes
 * objects; a changed VirtualService keeps its hosts, gateways and {@code exportTo} (so it owns the same hosts) and
 * is not a delegate; a changed DestinationRule keeps its (exact) host and {@code exportTo} (so it applies to the
 * same host). Where a resource was written (its lines) is not compiled, so resources that only moved count as
 * unchanged; the config's own findings are read only where a VirtualService route is reported unreachable, so
 * those of unchanged VirtualServices must be the same.
 *
 * @param positions the positions (in {@link MeshConfig#resources()}) of the resources that changed, in order
 */
record RouteChanges(List<Integer> positions) {

    /** The changes from {@code was} to {@code config}, or null when they are not only such changes. */
    static RouteChanges between(MeshConfig was, MeshConfig config) {
        List<Resource<?>> before = was.resources();
        List<Resource<?>> now = config.resources();
        if (was.model().isPresent() || config.model().isPresent() || before.size() != now.size()
                || !was.kubernetes().equals(config.kubernetes())) {
            return null;
        }
        List<Integer> positions = new ArrayList<>();
        Set<String> changedVirtualServices = new HashSet<>();
        for (int i = 0; i < now.size(); i++) {
            Resource<?> a = now.get(i);
            Resource<?> b = before.get(i);
            // Resources of files that did not change are the very objects of the config before.
            if (a == b) {
                continue;
            }
            if (a.kind() != b.kind() || !a.metadata().equals(b.metadata())) {
                return null;
            }
            if (Objects.equals(a.apiVersion(), b.apiVersion()) && a.spec().equals(b.spec())) {
                continue; // moved to other lines only
            }
            if (a.kind() == ResourceKind.VIRTUAL_SERVICE) {
                VirtualService x = (VirtualService) a.spec();
                VirtualService y = (VirtualService) b.spec();
                if (x.hosts().isEmpty() || !x.hosts().equals(y.hosts()) || !x.gateways().equals(y.gateways())
                        || !x.exportTo().equals(y.exportTo())) {
                    return null;
                }
                changedVirtualServices.add(a.metadata().key());
            } else if (a.kind() == ResourceKind.DESTINATION_RULE) {
                DestinationRule x = (DestinationRule) a.spec();
                DestinationRule y = (DestinationRule) b.spec();
                if (x.host() == null || x.host().isEmpty() || x.host().contains("*") || !x.host().equals(y.host())
                        || !x.exportTo().equals(y.exportTo())) {
                    return null;
                }
            } else {
                return null;
            }
            positions.add(i);
        }
        if (!routeFindings(was.warnings(), changedVirtualServices).equals(
                routeFindings(config.warnings(), changedVirtualServices))) {
            return null;
        }
        return new RouteChanges(List.copyOf(positions));
    }

    /**
     * What the compiler reads of the config's findings (whether a VirtualService route was reported already),
     * for VirtualServices other than {@code changed}: kind, namespace, name and field path, in order.
     */
    private static List<List<String>> routeFindings(List<Problem> warnings, Set<String> changed) {
        List<List<String>> out = new ArrayList<>();
        for (Problem p : warnings) {
            if ("VirtualService".equals(p.kind()) && p.path() != null && p.path().startsWith("spec.http")
                    && !changed.contains(p.namespace() + "/" + p.name())) {
                out.add(java.util.Arrays.asList(p.namespace(), p.name(), p.path()));
            }
        }
        return out;
    }
}
