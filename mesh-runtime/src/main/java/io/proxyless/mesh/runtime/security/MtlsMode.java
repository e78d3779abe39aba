package io.proxyless.mesh.runtime.security;

/**
 * The mutual TLS mode in force on one inbound port, after Istio's PeerAuthentication precedence (workload policy
 * and its {@code portLevelMtls} > namespace policy > mesh-wide policy in the root namespace) has resolved every
 * {@code UNSET}; {@link #PERMISSIVE} when nothing sets a mode.
 */
public enum MtlsMode {
    /** Mutual TLS only: plain text and clients without a certificate of the mesh are refused. */
    STRICT,
    /** Mutual TLS and plain text on the same port (the server detects the TLS handshake). */
    PERMISSIVE,
    /** Plain text only. */
    DISABLE
}
