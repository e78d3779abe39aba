package io.proxyless.mesh.cli;

import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.call.DirectResponses;
import io.proxyless.mesh.runtime.call.Redirects;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.routing.RouteAction;
import java.util.List;

/**
 * What the mesh did with one {@code mesh route-check} case: the decision for the request (the first draw with the
 * fixed seed) and, when the case expects weights, every sampled decision.
 *
 * @param decision the decision the other expectations are checked against
 * @param request  the request that was routed
 * @param snapshot the compiled config that routed it (redirect locations, host names)
 * @param samples  all sampled decisions, {@code decision} first; just {@code decision} unless weights are expected
 */
record RouteOutcome(RouteDecision decision, RouteRequest request, CompiledMesh snapshot, List<RouteDecision> samples) {

    /**
     * The host the request goes to: the destination's host when forwarding to a known service, else the requested
     * host, fully qualified (the passthrough cluster of an unknown host has no host of its own).
     */
    String host() {
        return host(decision);
    }

    static String host(RouteDecision d) {
        String destination = d.destinationHost();
        return destination != null && !destination.isEmpty() ? destination : d.host();
    }

    /**
     * The HTTP status a sidecar would answer: 200 for forward (the upstream's own answer cannot be known offline,
     * and fault injection is not applied), the redirect code for redirect (301 when unset), the configured status
     * for directResponse, and for reject the status {@link RouteDecision#status()} gives (404, 502 or 503).
     */
    int status() {
        return switch (decision.action()) {
            case FORWARD -> 200;
            case REDIRECT -> Redirects.status(decision);
            case DIRECT_RESPONSE -> DirectResponses.status(decision);
            case REJECT -> decision.status();
        };
    }

    /** The {@code Location} of the redirect, or null when the request is not redirected. */
    String location() {
        return decision.action() != RouteAction.REDIRECT
                ? null : Redirects.location(decision, request);
    }
}
