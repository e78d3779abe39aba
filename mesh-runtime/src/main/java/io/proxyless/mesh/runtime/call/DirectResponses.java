package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.RouteDecision;

/**
 * The fixed response of an Istio {@code directResponse}: its status and body bytes. Envoy sends a body with
 * {@code content-type: text/plain} (a local reply); no body means an empty response.
 *
 * <pre>{@code
 * byte[] body = DirectResponses.body(decision); // decoded when the snapshot was compiled
 * }</pre>
 */
public final class DirectResponses {

    /** The content type Envoy gives a direct response body. */
    public static final String CONTENT_TYPE = "text/plain";

    private DirectResponses() {
    }

    /** The status the decision's direct response answers (200 unless the route sets one). */
    public static int status(RouteDecision decision) {
        return decision.route() == null ? 200 : decision.route().directResponseStatus();
    }

    /**
     * The body bytes of the decision's direct response ({@code body.string} as UTF-8, or {@code body.bytes}
     * base64-decoded when the snapshot was compiled); empty when unset or when the route does not answer itself.
     */
    public static byte[] body(RouteDecision decision) {
        byte[] body = decision.route() == null ? null : decision.route().directResponseBody();
        return body == null ? new byte[0] : body;
    }
}
