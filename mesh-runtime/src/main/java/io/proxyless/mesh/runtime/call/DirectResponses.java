package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.api.HTTPBody;
import io.proxyless.mesh.api.HTTPDirectResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The fixed response of an Istio {@code directResponse}: its status and body bytes. Envoy sends a body with
 * {@code content-type: text/plain} (a local reply); no body means an empty response.
 *
 * <pre>{@code
 * byte[] body = DirectResponses.body(decision.directResponse());
 * }</pre>
 */
public final class DirectResponses {

    /** The content type Envoy gives a direct response body. */
    public static final String CONTENT_TYPE = "text/plain";

    private DirectResponses() {
    }

    /** The status to answer. */
    public static int status(HTTPDirectResponse response) {
        return response.status() == null ? 200 : response.status();
    }

    /** The body bytes: {@code body.string} as UTF-8, or {@code body.bytes} base64-decoded; empty when unset. */
    public static byte[] body(HTTPDirectResponse response) {
        HTTPBody body = response.body();
        if (body == null) {
            return new byte[0];
        }
        if (body.string() != null) {
            return body.string().getBytes(StandardCharsets.UTF_8);
        }
        if (body.bytes() != null) {
            return Base64.getDecoder().decode(body.bytes());
        }
        return new byte[0];
    }
}
