/**
 * The inbound side of a proxyless service, transport-neutral: which mTLS mode each port of this workload runs
 * ({@link io.proxyless.mesh.runtime.security.MtlsMode}, from PeerAuthentication) and whether a request may pass
 * ({@link io.proxyless.mesh.runtime.security.InboundPolicy#authorize}, from AuthorizationPolicy), with Istio's
 * semantics. Servers (gRPC, servlet) only read the handshake and the request into an
 * {@link io.proxyless.mesh.runtime.security.InboundRequest} and carry out the
 * {@link io.proxyless.mesh.runtime.security.AuthorizationDecision}.
 *
 * <p>Policies are compiled once per config snapshot, for this workload only, into the shape of Envoy's RBAC
 * filter ({@link io.proxyless.mesh.runtime.security.Rbac}: policies of {@link
 * io.proxyless.mesh.runtime.security.Permission permissions} × {@link io.proxyless.mesh.runtime.security.Principal
 * principals}), as istiod writes them for a sidecar; what can't be evaluated without a sidecar fails closed.
 */
package io.proxyless.mesh.runtime.security;
