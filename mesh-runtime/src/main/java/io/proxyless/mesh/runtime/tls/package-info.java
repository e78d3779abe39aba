/**
 * Client TLS towards upstream endpoints as a DestinationRule's {@code trafficPolicy.tls} asks for it, built on
 * the JDK's own JSSE: {@link io.proxyless.mesh.runtime.tls.ClientTlsPolicy} (what Istio would program for a
 * cluster: SNI, the subject alternative names to verify, which files), {@link io.proxyless.mesh.runtime.tls.ClientTlsContexts}
 * (one {@link javax.net.ssl.SSLContext} per cluster policy, shared across config reloads),
 * {@link io.proxyless.mesh.runtime.tls.ReloadingKeyManager} and {@link io.proxyless.mesh.runtime.tls.ReloadingTrustManager}
 * (certificates re-read when their files change, so rotation needs no restart),
 * {@link io.proxyless.mesh.runtime.tls.SubjectAltNames} (SAN checks) and a small
 * {@link io.proxyless.mesh.runtime.tls.PemReader}.
 *
 * <p>Modes: {@code SIMPLE} (server verified against {@code caCertificates} or the JDK's roots; SNI and SANs as
 * configured, else the request's host, as Envoy's auto SNI/SAN validation does), {@code MUTUAL} (the same, plus
 * the client certificate), {@code ISTIO_MUTUAL} (workload certificates from a directory —
 * {@code cert-chain.pem}, {@code key.pem}, {@code root-cert.pem} — and the server's SPIFFE identity
 * {@code spiffe://TRUST_DOMAIN/ns/NS/sa/SA}). Checked against istio/istio
 * {@code pilot/pkg/networking/core/cluster_tls.go}.
 */
package io.proxyless.mesh.runtime.tls;
