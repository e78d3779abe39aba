/**
 * The mesh's one route model: what the client does with traffic, in Envoy's shape, whichever source the config
 * came from. Istio YAML compiles into it (the work istiod does: registry, visibility, VirtualService ownership,
 * delegates, DestinationRule merges) and xDS resources parse into it (as grpc-java parses them); the runtime then
 * compiles it into the request path's structures.
 *
 * <pre>
 * MeshModel
 *   RouteConfiguration (one per listener port)
 *     VirtualHost (domains, incl. short-name aliases)
 *       Route (RouteMatch → RouteAction | Redirect | DirectResponse; header mutations, fault)
 *         RouteAction (ClusterWeight…, timeout, RetryPolicy, HashPolicy…, MirrorPolicy…, PathRewrite)
 *   Cluster (outbound|PORT|SUBSET|HOST: LbPolicy, OutlierDetection, CircuitBreakers, ConnectionSettings, UpstreamTls)
 *   ClusterLoadAssignment (over-provisioning factor; LbEndpoint: address, port, weight, locality, priority, labels)
 * </pre>
 *
 * <p>Every type is an immutable value with named factories; no protobuf or Istio record appears here, so neither
 * source's input format leaks into the other. Values are checked when built (a weight sum of 0, a negative
 * retry count, an invalid regex throw {@link IllegalArgumentException}), so a source turns a bad resource into a
 * problem or a NACK before anything reaches the request path.
 */
package io.proxyless.mesh.runtime.model;
