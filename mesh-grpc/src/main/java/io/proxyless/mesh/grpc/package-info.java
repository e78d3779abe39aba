/**
 * gRPC integration: channels whose calls the mesh routes one by one, as Istio's sidecar would route them, and
 * servers that apply the workload's PeerAuthentication and AuthorizationPolicy to inbound connections and calls
 * ({@link io.proxyless.mesh.grpc.MeshGrpc#serverBuilder}, {@link io.proxyless.mesh.grpc.MeshGrpc#PEER_IDENTITY}).
 *
 * <pre>{@code
 * ManagedChannel ch = MeshGrpc.channelBuilder(mesh, "reviews.default.svc.cluster.local:9080")
 *         .usePlaintext().build();
 * // or: MeshGrpc.registerDefault(mesh); ManagedChannelBuilder.forTarget("mesh:///reviews:9080")...
 * }</pre>
 *
 * <p>Entry points: {@link io.proxyless.mesh.grpc.MeshGrpc}, {@link io.proxyless.mesh.grpc.MeshChannelBuilder},
 * {@link io.proxyless.mesh.grpc.MeshChannelOptions}; the {@code mesh} scheme
 * ({@link io.proxyless.mesh.grpc.MeshNameResolverProvider}) and its placeholder load-balancing policy
 * ({@link io.proxyless.mesh.grpc.MeshLoadBalancerProvider}) are registered through {@code META-INF/services}.
 *
 * <p>Design, in one paragraph: a {@code MeshChannel} turns each call into a {@code MeshCall}, which routes once
 * with the engine ({@code uri} = full method, {@code headers} = metadata), applies fault injection, the route
 * timeout and mirrors ({@code MirrorCall}), and then runs attempts — each on the gRPC channel of one endpoint
 * ({@code EndpointChannels}), under a circuit-breaker permit, reported to the cluster for least-request and
 * outlier detection, retried by mesh-runtime's {@code RetryRules} with replay of the buffered request messages
 * until response headers commit the call. Transport-neutral decisions (retries, backoff, faults, mirror
 * selection, header operations, rewrites, TLS) are mesh-runtime's ({@code runtime.call}, {@code runtime.tls}),
 * shared with the OkHttp adapter. On the server side, {@code PeerAuthenticationNegotiator} hands every accepted
 * connection to a {@code TlsInspector} (TLS or plain text by the first bytes, against the port's mode now), TLS
 * connections to {@code TlsHandshake}, and every call to {@code InboundAuthorization}; the evaluation is
 * mesh-runtime's ({@code runtime.security}, {@code tls.ServerTlsContext}).
 */
package io.proxyless.mesh.grpc;
