package io.proxyless.mesh.api;

import java.util.List;

/**
 * Istio {@code TLSRoute}: routes unterminated TLS traffic by SNI. Parsed so such VirtualServices load, but the
 * client-side mesh does not act on it (see {@link VirtualService#tls()}).
 *
 * @param match conditions (ORed); required
 * @param route where matching connections go
 */
public record TLSRoute(List<TLSMatchAttributes> match, List<RouteDestination> route) {
    public TLSRoute {
        match = Immutables.list(match);
        route = Immutables.list(route);
    }
}
