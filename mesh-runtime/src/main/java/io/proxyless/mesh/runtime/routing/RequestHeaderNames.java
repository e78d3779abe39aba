package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.runtime.model.HashPolicy;
import io.proxyless.mesh.runtime.model.HeaderMatch;
import io.proxyless.mesh.runtime.model.MeshModel;
import io.proxyless.mesh.runtime.model.Route;
import io.proxyless.mesh.runtime.model.RouteAction;
import io.proxyless.mesh.runtime.model.RouteConfiguration;
import io.proxyless.mesh.runtime.model.VirtualHost;
import java.util.HashSet;
import java.util.Set;

/**
 * The request header names a route model's routes read: the names of their header matches (pseudo-headers left
 * out, since the matchers take those from the request line) and of their header hash policies, and
 * {@code cookie} when a route hashes a cookie. An adapter whose header objects are read through a key per name
 * (gRPC's {@code Metadata.Key}) makes those keys once per snapshot from this set instead of per request.
 */
final class RequestHeaderNames {
    private RequestHeaderNames() {
    }

    /** The names, as the routes ask for them; empty for a model without routes. */
    static Set<String> of(MeshModel model) {
        if (model == null) {
            return Set.of();
        }
        Set<String> names = new HashSet<>();
        for (RouteConfiguration rc : model.routeConfigurations().values()) {
            for (VirtualHost vh : rc.virtualHosts()) {
                for (Route route : vh.routes()) {
                    add(route, names);
                }
            }
        }
        return Set.copyOf(names);
    }

    private static void add(Route route, Set<String> names) {
        for (HeaderMatch h : route.match().headers()) {
            if (!h.name().startsWith(":")) {
                names.add(h.name());
            }
        }
        RouteAction action = route.routeAction();
        if (action == null) {
            return;
        }
        for (HashPolicy p : action.hashPolicies()) {
            if (p.kind() == HashPolicy.Kind.HEADER) {
                names.add(p.name());
            } else if (p.kind() == HashPolicy.Kind.COOKIE) {
                names.add("cookie");
            }
        }
    }
}
