package io.proxyless.mesh.runtime.model;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Envoy's {@code DirectResponseAction}: the client answers with a fixed status and body, sending nothing.
 * The body is held as bytes, decoded once when the config is compiled (Istio's {@code body.string} or
 * {@code body.bytes}).
 */
public final class DirectResponse implements Route.Action {
    private final int status;
    private final byte[] body;

    private DirectResponse(int status, byte[] body) {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("direct response status " + status + " is not in [200, 599]");
        }
        this.status = status;
        this.body = body;
    }

    public static DirectResponse of(int status, byte[] body) {
        return new DirectResponse(status, body == null ? new byte[0] : body.clone());
    }

    public static DirectResponse of(int status, String body) {
        return new DirectResponse(status, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
    }

    public int status() {
        return status;
    }

    /** A copy of the body. */
    public byte[] body() {
        return body.clone();
    }

    public int bodyLength() {
        return body.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DirectResponse d && d.status == status && Arrays.equals(d.body, body);
    }

    @Override
    public int hashCode() {
        return 31 * status + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "DirectResponse{" + status + ", " + body.length + " bytes}";
    }
}
