/**
 * Config from an xDS control plane (istiod or any Envoy control plane) over ADS.
 *
 * <p>{@link io.proxyless.mesh.xds.XdsBootstrap} reads grpc-java's bootstrap;
 * {@link io.proxyless.mesh.xds.XdsConfigSource} runs the protocol (state of the world or delta,
 * ACK/NACK, does-not-exist timers, reconnect with backoff) and translates the Envoy resources into the Istio
 * resources file mode loads, so both modes end in the same {@link io.proxyless.mesh.runtime.config.MeshConfig}
 * and the same engine. The translation is made of small static parsers, one per resource type
 * ({@code ListenerParser}, {@code RouteConfigParser}, {@code ClusterParser}, {@code EndpointParser}), and
 * {@code XdsTranslator}, which assembles their results.
 */
package io.proxyless.mesh.xds;
