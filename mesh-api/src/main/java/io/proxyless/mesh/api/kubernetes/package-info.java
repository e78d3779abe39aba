/**
 * The Kubernetes objects the mesh reads from config files besides Istio's own: {@code Service},
 * {@code EndpointSlice}/{@code Endpoints} and {@code Pod}, reduced to what a service registry and Istio's analyses
 * need (names, ports, selectors, addresses and labels). Everything else in such an object is ignored.
 */
package io.proxyless.mesh.api.kubernetes;
