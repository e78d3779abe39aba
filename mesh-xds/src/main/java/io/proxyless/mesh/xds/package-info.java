/**
 * Config from an xDS control plane (istiod or any Envoy control plane) over ADS.
 *
 * <p>{@link io.proxyless.mesh.xds.XdsBootstrap} reads grpc-java's bootstrap;
 * {@link io.proxyless.mesh.xds.XdsConfigSource} runs the protocol (state of the world or delta,
 * ACK/NACK, does-not-exist timers, reconnect with backoff) and publishes the resources in force as the mesh's one
 * route model ({@link io.proxyless.mesh.runtime.model.MeshModel}, through
 * {@link io.proxyless.mesh.runtime.config.MeshConfig#ofModel}), the model the runtime also writes for Istio YAML.
 * Each resource type has one parser of small static functions into model values, as grpc-java's
 * {@code XdsResourceType}s have ({@code XdsListenerResource}, {@code XdsRouteResource},
 * {@code XdsClusterResource}, {@code XdsEndpointResource}); a value the engine cannot carry out is an error that
 * NACKs the resource. {@code XdsModelAssembly} puts the parsed resources in force together into one model.
 */
package io.proxyless.mesh.xds;
