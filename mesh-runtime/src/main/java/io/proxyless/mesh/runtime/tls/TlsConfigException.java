package io.proxyless.mesh.runtime.tls;

import java.io.IOException;

/**
 * TLS for a cluster cannot be set up: a certificate or key file is missing or unreadable, a PEM block is not
 * what it should be, {@code ISTIO_MUTUAL} is used without a certificate directory… The message names the
 * cluster and the file.
 */
public class TlsConfigException extends IOException {
    public TlsConfigException(String message) {
        super(message);
    }

    public TlsConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
