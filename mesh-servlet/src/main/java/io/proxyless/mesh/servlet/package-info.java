/**
 * The server side of a proxyless service in a servlet container: what a sidecar's inbound listener does (Istio's
 * mTLS, PeerAuthentication, AuthorizationPolicy), done in the application's own server.
 */
package io.proxyless.mesh.servlet;
