/**
 * The service registry a client sees: ServiceEntries and WorkloadEntries compiled into
 * {@link io.proxyless.mesh.runtime.registry.MeshService}s with their
 * {@link io.proxyless.mesh.runtime.registry.Endpoint}s, filtered by {@code exportTo} and the client's Sidecar
 * ({@link io.proxyless.mesh.runtime.registry.HostVisibility}), and looked up by host with Istio's rules
 * ({@link io.proxyless.mesh.runtime.registry.ServiceRegistry}). Built once per config snapshot, never on the
 * request path.
 */
package io.proxyless.mesh.runtime.registry;
