package io.proxyless.mesh.grpc;

import io.proxyless.mesh.runtime.tls.ClientTlsContexts;

/**
 * Mesh-specific settings of a mesh channel (transport settings are the usual {@link io.grpc.ManagedChannelBuilder}
 * ones).
 *
 * <pre>{@code
 * MeshGrpc.registerDefault(mesh, MeshChannelOptions.defaults()
 *         .withTls(ClientTlsContexts.builder().istioCertificates(Path.of("/etc/certs")).build())
 *         .withShadowHostSuffix(true));
 * }</pre>
 *
 * @param tls                  certificates for DestinationRule {@code tls} (ISTIO_MUTUAL's workload certificate
 *                             directory, trust domain, reload interval); null: a shared instance without workload
 *                             certificates (SIMPLE and MUTUAL work, ISTIO_MUTUAL fails with a status saying so)
 * @param transportSecurity    TLS (system trust roots) towards endpoints whose DestinationRule sets no {@code tls};
 *                             false (the default): plain text, as an application talks to its sidecar. A
 *                             DestinationRule {@code tls} block always wins.
 * @param shadowHostSuffix     mirror with Envoy's classic {@code -shadow} authority suffix ({@code reviews:9080} →
 *                             {@code reviews-shadow:9080}); false (the default, Istio ≥ 1.28): the primary's authority
 * @param retryBufferBytes     request bytes kept per call for replay on retry; past it the call is committed to its
 *                             current attempt (no more retries), like gRPC's per-RPC retry buffer
 * @param mirrorBufferBytes    request bytes a mirror may have queued while its stream is not ready (connecting,
 *                             or flow-controlled by a slow mirror) before it is abandoned; a slow mirror never
 *                             slows the primary
 * @param maxConcurrentMirrors mirrored calls in flight per channel; further mirrors are skipped
 */
public record MeshChannelOptions(ClientTlsContexts tls, boolean transportSecurity, boolean shadowHostSuffix,
                                 long retryBufferBytes, long mirrorBufferBytes, int maxConcurrentMirrors) {
    /** gRPC's default per-RPC retry buffer. */
    public static final long DEFAULT_RETRY_BUFFER_BYTES = 1L << 20;
    private static final MeshChannelOptions DEFAULTS = new MeshChannelOptions(null, false, false,
            DEFAULT_RETRY_BUFFER_BYTES, DEFAULT_RETRY_BUFFER_BYTES, 128);

    public MeshChannelOptions {
        if (retryBufferBytes < 0 || mirrorBufferBytes < 0 || maxConcurrentMirrors < 0) {
            throw new IllegalArgumentException("limits must not be negative");
        }
    }

    /** Plain text by default, primary authority on mirrors, 1 MiB retry and mirror buffers, 128 mirrors. */
    public static MeshChannelOptions defaults() {
        return DEFAULTS;
    }

    public MeshChannelOptions withTls(ClientTlsContexts contexts) {
        return new MeshChannelOptions(contexts, transportSecurity, shadowHostSuffix, retryBufferBytes,
                mirrorBufferBytes, maxConcurrentMirrors);
    }

    public MeshChannelOptions withTransportSecurity(boolean on) {
        return new MeshChannelOptions(tls, on, shadowHostSuffix, retryBufferBytes, mirrorBufferBytes,
                maxConcurrentMirrors);
    }

    public MeshChannelOptions withShadowHostSuffix(boolean on) {
        return new MeshChannelOptions(tls, transportSecurity, on, retryBufferBytes, mirrorBufferBytes,
                maxConcurrentMirrors);
    }

    public MeshChannelOptions withRetryBufferBytes(long bytes) {
        return new MeshChannelOptions(tls, transportSecurity, shadowHostSuffix, bytes, mirrorBufferBytes,
                maxConcurrentMirrors);
    }

    public MeshChannelOptions withMirrorBufferBytes(long bytes) {
        return new MeshChannelOptions(tls, transportSecurity, shadowHostSuffix, retryBufferBytes, bytes,
                maxConcurrentMirrors);
    }

    public MeshChannelOptions withMaxConcurrentMirrors(int calls) {
        return new MeshChannelOptions(tls, transportSecurity, shadowHostSuffix, retryBufferBytes, mirrorBufferBytes,
                calls);
    }
}
