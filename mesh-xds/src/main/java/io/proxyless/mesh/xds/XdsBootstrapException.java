package io.proxyless.mesh.xds;

/**
 * An xDS bootstrap that cannot be used: unreadable, not JSON, or with a field that is unknown, missing or of the
 * wrong type. The message names the bootstrap and the field, e.g.
 * {@code xDS bootstrap /etc/bootstrap.json: xds_servers[0].channel_creds[0].type: is required}.
 */
public final class XdsBootstrapException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public XdsBootstrapException(String message) {
        super(message);
    }

    public XdsBootstrapException(String message, Throwable cause) {
        super(message, cause);
    }
}
