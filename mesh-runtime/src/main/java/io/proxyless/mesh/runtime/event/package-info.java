/**
 * Mesh events for every transport: {@link io.proxyless.mesh.runtime.event.MeshListener} receives what the call
 * engine decides and sees (routing, faults, attempts, retries, overflows, mirrors, TLS failures, the end of a
 * call) through live {@link io.proxyless.mesh.runtime.event.CallView}s, with Envoy's response flags
 * ({@link io.proxyless.mesh.runtime.event.ResponseFlag}) mapped in one place.
 */
package io.proxyless.mesh.runtime.event;
