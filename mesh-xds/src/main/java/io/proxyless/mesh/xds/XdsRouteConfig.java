package io.proxyless.mesh.xds;

import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.LoadBalancerSettings.ConsistentHashLB;
import java.time.Duration;
import java.util.List;

/**
 * A parsed RouteConfiguration: virtual hosts whose routes are already Istio {@link HTTPRoute}s.
 *
 * @param name         resource name ({@code 9080} for a sidecar, {@code outbound|9080||host} for proxyless gRPC)
 * @param virtualHosts in order
 */
record XdsRouteConfig(String name, List<VirtualHost> virtualHosts) {
    XdsRouteConfig {
        virtualHosts = List.copyOf(virtualHosts);
    }

    /**
     * @param name    virtual host name
     * @param domains domains as sent (may carry ports, wildcards)
     * @param routes  routes in match order
     */
    record VirtualHost(String name, List<String> domains, List<Route> routes) {
        VirtualHost {
            domains = List.copyOf(domains);
            routes = List.copyOf(routes);
        }
    }

    /**
     * One route (or several consecutive Envoy routes of one Istio HTTPRoute, merged back into its match blocks).
     *
     * @param route           the Istio route; its timeout is the one the route itself sets
     * @param timeoutSet      whether the route set {@code timeout} or {@code max_stream_duration} (otherwise a
     *                        proxyless listener's default applies)
     * @param faultSet        whether the route has its own fault filter config
     * @param clusters        every cluster the route sends to (destinations and mirrors)
     * @param hashPolicy      the route's consistent-hash key, or null; the DestinationRule of its clusters gets it
     * @param istioConfig     {@code namespace/name} of the VirtualService Istio built the route from, or null
     */
    record Route(HTTPRoute route, boolean timeoutSet, boolean faultSet, List<String> clusters,
                 ConsistentHashLB hashPolicy, String istioConfig) {
        Route {
            clusters = List.copyOf(clusters);
        }

        Route withRoute(HTTPRoute r) {
            return new Route(r, timeoutSet, faultSet, clusters, hashPolicy, istioConfig);
        }

        Route withTimeout(Duration timeout) {
            return withRoute(route.withTimeout(timeout));
        }
    }
}
