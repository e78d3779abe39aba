/**
 * The server side of a proxyless service in a servlet container: what a sidecar's inbound listener does, done in
 * the application's own server.
 *
 * <ul>
 *   <li>{@link io.proxyless.mesh.servlet.MeshServerTls#sslContext} — the server {@code SSLContext} from the mesh's
 *       workload certificates (Istio's {@code cert-chain.pem}, {@code key.pem}, {@code root-cert.pem}, reloaded on
 *       rotation); its engines ask every TLS client for a certificate from the mesh's root, so Jetty, Tomcat or
 *       Netty terminate Istio's mTLS with no client-authentication setting of their own.</li>
 *   <li>{@link io.proxyless.mesh.servlet.MeshAuthorizationFilter#create} — a {@code Filter} that enforces the port's
 *       PeerAuthentication mode and every AuthorizationPolicy selecting this workload, and hands the caller's verified
 *       SPIFFE id to the application as the request attribute {@code io.proxyless.mesh.peerIdentity}.</li>
 * </ul>
 *
 * <p>Both read the mesh's inbound policy ({@code Mesh.inbound()}) on every request or connection, so a config change
 * applies to the next one; the evaluation itself lives in {@code io.proxyless.mesh.runtime.security}.
 */
package io.proxyless.mesh.servlet;
