/**
 * Endpoint health and circuit breaking, per cluster: {@link io.proxyless.mesh.runtime.health.OutlierDetector}
 * (Istio {@code outlierDetection}: passive ejection of failing endpoints),
 * {@link io.proxyless.mesh.runtime.health.ConnectionPool} (Istio {@code connectionPool}: request, pending and
 * retry limits), {@link io.proxyless.mesh.runtime.health.AttemptOutcome} (what adapters report after each attempt)
 * and {@link io.proxyless.mesh.runtime.health.ClusterHealth} (the per-cluster registry that survives reloads).
 *
 * <p>Everything here follows what the Istio sidecar's Envoy does with the same DestinationRule, checked against
 * istio/istio {@code pilot/pkg/networking/core/cluster_traffic_policy.go} ({@code applyOutlierDetection},
 * {@code applyConnectionPool}, {@code getDefaultCircuitBreakerThresholds}) and Envoy's
 * {@code outlier_detection_impl.cc}, {@code router.cc} and circuit-breaking docs:
 *
 * <table>
 *   <caption>Defaults</caption>
 *   <tr><th>setting</th><th>unset</th><th>0</th></tr>
 *   <tr><td>consecutive5xxErrors</td><td>5</td><td>off</td></tr>
 *   <tr><td>consecutiveGatewayErrors</td><td>off</td><td>off</td></tr>
 *   <tr><td>consecutiveLocalOriginFailures (split only)</td><td>5</td><td>5</td></tr>
 *   <tr><td>consecutiveErrors (deprecated)</td><td>ignored</td><td>ignored</td></tr>
 *   <tr><td>interval</td><td>10 s</td><td>(invalid)</td></tr>
 *   <tr><td>baseEjectionTime</td><td>30 s; capped at max(300 s, base)</td><td>(invalid)</td></tr>
 *   <tr><td>maxEjectionPercent</td><td>10</td><td>10</td></tr>
 *   <tr><td>minHealthPercent</td><td>0 (no panic)</td><td>0</td></tr>
 *   <tr><td>tcp.maxConnections, http.http1MaxPendingRequests, http2MaxRequests, maxRetries</td>
 *       <td>2^32−1</td><td>2^32−1</td></tr>
 *   <tr><td>tcp.connectTimeout</td><td>10 s</td><td>(invalid)</td></tr>
 * </table>
 *
 * <p>The request path (report, healthy, acquire, release) uses atomics only; no background threads.
 */
package io.proxyless.mesh.runtime.health;
