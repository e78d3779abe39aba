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
import java.util.Objects;

/**
 * What the mesh decided for one request: the action, the VirtualService route chosen, the destination cluster
 * and endpoint, and the policies the adapter must carry out (timeout, retries, fault, mirrors, header
 * operations, rewrite). Cheap to create: it points into the compiled snapshot instead of copying from it. What a
 * forwarded request shares with every other one sent to the same destination of the same route (action, route,
 * destination, cluster) is a {@link Target} the compiled route holds, so a decision is that target and what is
 * this request's own (host, port, endpoint, match block): 32 bytes, the least a decision per
 * request can be.
 *
 * <p>Accessors as of a record with the components {@code (action, host, port, route, destination, cluster,
 * endpoint, status, reason, matchIndex)}:
 * <ul>
 *   <li>{@code action}: forward, redirect, directResponse or reject;</li>
 *   <li>{@code host}: the requested host, fully qualified; {@code port}: the requested port;</li>
 *   <li>{@code route}: the matched route, or null (no VirtualService: the default route);</li>
 *   <li>{@code destination}: the chosen weighted destination, or null (default route, redirect, reject…);</li>
 *   <li>{@code cluster}: the destination cluster, or null unless forwarding;</li>
 *   <li>{@code endpoint}: the endpoint for the first attempt, or null;</li>
 *   <li>{@code status}: for reject, the HTTP status a sidecar would answer (404 no route, 502 REGISTRY_ONLY,
 *       503 no cluster / no healthy upstream); 0 otherwise; {@code reason}: why it was rejected, or null;</li>
 *   <li>{@code matchIndex}: which compiled match block of {@code route} matched (-1: none, or a route without
 *       blocks).</li>
 * </ul>
 */
public final class RouteDecision {

    /**
     * The part of a decision that does not depend on the request: for a forward to a route's destination, one per
     * destination made when the route is compiled ({@link CompiledRoute#forwardTarget}); made per decision
     * otherwise (rejections, redirects, direct responses, passthrough), which are rare or allocate anyway.
     */
    public record Target(RouteAction action, CompiledRoute route, WeightedDestination destination, Cluster cluster,
                         int status, String reason) {
    }

    private final Target target;
    private final String host;
    private final Endpoint endpoint;
    private final int port;
    private final int matchIndex;

    public RouteDecision(RouteAction action, String host, int port, CompiledRoute route,
                         WeightedDestination destination, Cluster cluster, Endpoint endpoint, int status,
                         String reason, int matchIndex) {
        this(new Target(action, route, destination, cluster, status, reason), host, port, endpoint, matchIndex);
    }

    /** A decision of {@code target} for a request to {@code host}:{@code port}. */
    public RouteDecision(Target target, String host, int port, Endpoint endpoint, int matchIndex) {
        this.target = Objects.requireNonNull(target, "target");
        this.host = host;
        this.port = port;
        this.endpoint = endpoint;
        this.matchIndex = matchIndex;
    }

    /** A rejection with the status a sidecar would answer and why. */
    public static RouteDecision reject(String host, int port, CompiledRoute route, int status, String reason) {
        return new RouteDecision(RouteAction.REJECT, host, port, route, null, null, null, status, reason, -1);
    }

    public RouteAction action() {
        return target.action();
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public CompiledRoute route() {
        return target.route();
    }

    public WeightedDestination destination() {
        return target.destination();
    }

    public Cluster cluster() {
        return target.cluster();
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public int status() {
        return target.status();
    }

    public String reason() {
        return target.reason();
    }

    public int matchIndex() {
        return matchIndex;
    }

    /** {@code namespace/name} of the VirtualService that routed the request, or null. */
    public String virtualService() {
        return route() == null ? null : route().virtualService();
    }

    /** Host of the chosen destination (FQDN), or null. */
    public String destinationHost() {
        return cluster() != null ? cluster().host() : destination() != null ? destination().host() : null;
    }

    /** Subset of the chosen destination, or null. */
    public String destinationSubset() {
        return cluster() != null ? cluster().subset() : destination() != null ? destination().subset() : null;
    }

    /** Service port of the chosen destination, or 0. */
    public int destinationPort() {
        return cluster() != null ? cluster().port() : 0;
    }

    /** The route timeout (whole call including retries), or null: Istio's default is none. */
    public Duration timeout() {
        return route() == null ? null : route().timeout();
    }

    /** The effective retry policy (Istio's default when the route sets none), or null when retries are off. */
    public RetryPolicy retries() {
        if (route() == null) {
            return RetryPolicy.ISTIO_DEFAULT;
        }
        return route().retries();
    }

    public FaultPolicy fault() {
        return route() == null ? null : route().fault();
    }

    public List<Mirror> mirrors() {
        return route() == null ? List.of() : route().mirrors();
    }

    /**
     * What a consistent-hash balancer hashes for this request: the route's hash policies (written from the first
     * destination's DestinationRule for Istio config); null when it names none.
     */
    public RequestHash requestHash() {
        return route() == null ? null : route().hash();
    }

    /** Istio's name for the load balancer in force, or null when not forwarding. */
    public String loadBalancer() {
        return cluster() == null ? null : cluster().loadBalancerName();
    }

    /**
     * How many leading characters of {@code path} the matched block consumed, which Envoy's
     * {@code prefix_rewrite} (Istio's {@code rewrite.uri} and {@code redirect.prefixRewrite}) replaces.
     */
    public int consumedPathLength(String path) {
        return route() == null ? 1 : route().consumedPathLength(matchIndex, path);
    }

    public boolean isForward() {
        return action() == RouteAction.FORWARD;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RouteDecision d && d.target.equals(target) && Objects.equals(d.host, host)
                && d.port == port && Objects.equals(d.endpoint, endpoint) && d.matchIndex == matchIndex;
    }

    @Override
    public int hashCode() {
        return Objects.hash(target, host, port, endpoint, matchIndex);
    }

    @Override
    public String toString() {
        return "RouteDecision[action=" + action() + ", host=" + host + ", port=" + port + ", route=" + route()
                + ", destination=" + destination() + ", cluster=" + cluster() + ", endpoint=" + endpoint
                + ", status=" + status() + ", reason=" + reason() + ", matchIndex=" + matchIndex + "]";
    }
}
