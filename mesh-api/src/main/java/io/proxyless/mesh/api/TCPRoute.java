package io.proxyless.mesh.api;

import java.util.List;

/**
 * Istio {@code TCPRoute}: routes opaque TCP connections. Parsed so such VirtualServices load, but the
 * client-side mesh does not act on it (see {@link VirtualService#tcp()}).
 *
 * @param match conditions (ORed)
 * @param route where matching connections go
 */
public record TCPRoute(List<L4MatchAttributes> match, List<RouteDestination> route) {
    public TCPRoute {
        match = Immutables.list(match);
        route = Immutables.list(route);
    }
}
