package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.Headers;
import java.util.List;
import java.util.Map;

/**
 * One Istio {@code HTTPRoute} as the compiler resolved it for this client, before it is written as the route
 * model: the match blocks that apply to the client, and its destinations and mirrors with their hosts qualified
 * and their clusters found.
 *
 * @param virtualService {@code namespace/name} of its VirtualService
 * @param index          its position in the VirtualService's {@code http} list, after delegate expansion
 * @param http           the route as written (delegates merged)
 * @param blocks         the match blocks that apply to this client, in order; empty when it matches everything
 * @param destinations   its weighted destinations
 * @param mirrors        its mirrors (a percentage above 0 each)
 */
record IstioRoute(String virtualService, int index, HTTPRoute http, List<HTTPMatchRequest> blocks,
                  List<Target> destinations, List<MirrorTarget> mirrors) {

    IstioRoute {
        blocks = List.copyOf(blocks);
        destinations = List.copyOf(destinations);
        mirrors = List.copyOf(mirrors);
    }

    /**
     * A destination resolved: its cluster when it does not depend on the request's port, else one per service
     * port; or why there is none.
     *
     * @param host    FQDN
     * @param subset  subset, or null
     * @param port    the destination's explicit port, or null
     * @param weight  relative weight as written
     * @param headers destination-level header operations, or null
     * @param fixed   the cluster when it does not depend on the request port, else null
     * @param byPort  clusters by request port, used when the port comes from the request
     * @param problem why no cluster exists (unknown host or subset), or null
     */
    record Target(String host, String subset, Integer port, int weight, Headers headers, IstioCluster fixed,
                  Map<Integer, IstioCluster> byPort, String problem) {

        /** The cluster for requests on {@code requestPort}, or null. */
        IstioCluster cluster(int requestPort) {
            return fixed != null ? fixed : byPort.get(requestPort);
        }
    }

    /** A mirror: where copies go and for what share of requests (0–100). */
    record MirrorTarget(Target target, double percentage) {
    }
}
