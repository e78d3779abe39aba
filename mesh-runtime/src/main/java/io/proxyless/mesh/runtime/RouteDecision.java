package io.proxyless.mesh.runtime;

import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.CompiledRoute;
import io.proxyless.mesh.runtime.routing.FaultPolicy;
import io.proxyless.mesh.runtime.routing.Mirror;
import io.proxyless.mesh.runtime.routing.RequestHash;
import io.proxyless.mesh.runtime.routing.RetryPolicy;
import io.proxyless.mesh.runtime.routing.RouteAction;
import io.proxyless.mesh.runtime.routing.WeightedDestination;
import java.time.Duration;
import java.util.List;

/**
 * What the mesh decided for one request: the action, the VirtualService route chosen, the destination cluster
 * and endpoint, and the policies the adapter must carry out (timeout, retries, fault, mirrors, header
 * operations, rewrite). Cheap to create: it points into the compiled snapshot instead of copying from it.
 *
 * @param action      forward, redirect, directResponse or reject
 * @param host        the requested host, fully qualified
 * @param port        the requested port
 * @param route       the matched route, or null (no VirtualService: the default route)
 * @param destination the chosen weighted destination, or null (default route, redirect, reject…)
 * @param cluster     the destination cluster, or null unless forwarding
 * @param endpoint    the endpoint for the first attempt, or null
 * @param status      for reject: the HTTP status a sidecar would answer (404 no route, 502 REGISTRY_ONLY,
 *                    503 no cluster / no healthy upstream); 0 otherwise
 * @param reason      why the request was rejected, or null
 * @param matchIndex  which compiled match block of {@code route} matched (-1: none, or a route without blocks)
 */
public record RouteDecision(RouteAction action, String host, int port, CompiledRoute route,
                            WeightedDestination destination, Cluster cluster, Endpoint endpoint, int status,
                            String reason, int matchIndex) {

    /** A rejection with the status a sidecar would answer and why. */
    public static RouteDecision reject(String host, int port, CompiledRoute route, int status, String reason) {
        return new RouteDecision(RouteAction.REJECT, host, port, route, null, null, null, status, reason, -1);
    }

    /** {@code namespace/name} of the VirtualService that routed the request, or null. */
    public String virtualService() {
        return route == null ? null : route.virtualService();
    }

    /** Host of the chosen destination (FQDN), or null. */
    public String destinationHost() {
        return cluster != null ? cluster.host() : destination != null ? destination.host() : null;
    }

    /** Subset of the chosen destination, or null. */
    public String destinationSubset() {
        return cluster != null ? cluster.subset() : destination != null ? destination.subset() : null;
    }

    /** Service port of the chosen destination, or 0. */
    public int destinationPort() {
        return cluster != null ? cluster.port() : 0;
    }

    /** The route timeout (whole call including retries), or null: Istio's default is none. */
    public Duration timeout() {
        return route == null ? null : route.timeout();
    }

    /** The effective retry policy (Istio's default when the route sets none), or null when retries are off. */
    public RetryPolicy retries() {
        if (route == null) {
            return RetryPolicy.ISTIO_DEFAULT;
        }
        return route.retries();
    }

    public FaultPolicy fault() {
        return route == null ? null : route.fault();
    }

    public List<Mirror> mirrors() {
        return route == null ? List.of() : route.mirrors();
    }

    /**
     * What a consistent-hash balancer hashes for this request: the route's hash policies (written from the first
     * destination's DestinationRule for Istio config); null when it names none.
     */
    public RequestHash requestHash() {
        return route == null ? null : route.hash();
    }

    /** Istio's name for the load balancer in force, or null when not forwarding. */
    public String loadBalancer() {
        return cluster == null ? null : cluster.loadBalancerName();
    }

    /**
     * How many leading characters of {@code path} the matched block consumed, which Envoy's
     * {@code prefix_rewrite} (Istio's {@code rewrite.uri} and {@code redirect.prefixRewrite}) replaces.
     */
    public int consumedPathLength(String path) {
        return route == null ? 1 : route.consumedPathLength(matchIndex, path);
    }

    public boolean isForward() {
        return action == RouteAction.FORWARD;
    }
}
