package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.model.DirectResponse;
import io.proxyless.mesh.runtime.model.PathRewrite;
import io.proxyless.mesh.runtime.model.Redirect;
import io.proxyless.mesh.runtime.model.Route;
import io.proxyless.mesh.runtime.model.RouteMatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * One route of the route model, compiled: matchers ready to run, weights as a cumulative table, policies
 * resolved, clusters looked up. Routes istiod wrote from one Istio {@code http[i]} (one per match block) are one
 * compiled route with a matcher per block. Immutable and shared by all requests of a snapshot.
 */
public final class CompiledRoute {
    private final String virtualService;
    private final String origin;
    private final int index;
    private final String name;
    private final List<RouteMatcher> matchers;
    private final boolean needsQuery;
    private final RouteAction action;
    private final List<WeightedDestination> destinations;
    // What a decision to forward to destinations[i] shares with every other (null: it has no cluster).
    private final RouteDecision.Target[] forwardTargets;
    private final int[] cumulativeWeights;
    private final int totalWeight;
    private final Duration timeout;
    private final RetryPolicy retries;
    private final FaultPolicy fault;
    private final List<Mirror> mirrors;
    private final Redirect redirect;
    private final DirectResponse directResponse;
    private final HeaderOps requestHeaderOps;
    private final HeaderOps responseHeaderOps;
    private final PathRewrite pathRewrite;
    private final String hostRewrite;
    private final RequestHash hash;

    private CompiledRoute(List<Route> blocks, String origin, int position, List<WeightedDestination> destinations,
                          List<Mirror> mirrors, Map<Object, Object> shared) {
        Route route = blocks.get(0);
        io.proxyless.mesh.runtime.model.RouteAction forward = route.routeAction();
        this.virtualService = route.virtualService();
        this.origin = origin;
        this.index = route.virtualService() != null ? route.httpIndex() : position;
        this.name = route.name();
        List<RouteMatch> matches = new ArrayList<>(blocks.size());
        for (Route block : blocks) {
            matches.add(block.match());
        }
        this.matchers = sharedValue(shared, matches, k -> {
            List<RouteMatcher> m = new ArrayList<>(matches.size());
            for (RouteMatch match : matches) {
                m.add(sharedValue(shared, match, ModelRouteMatcher::of));
            }
            return List.copyOf(m);
        });
        this.needsQuery = matchers.stream().anyMatch(RouteMatcher::needsQuery);
        this.action = route.action() instanceof Redirect ? RouteAction.REDIRECT
                : route.action() instanceof DirectResponse ? RouteAction.DIRECT_RESPONSE : RouteAction.FORWARD;
        this.destinations = List.copyOf(destinations);
        this.timeout = forward == null ? null : forward.timeout();
        this.retries = forward == null || forward.retryPolicy() == null ? null
                : sharedValue(shared, forward.retryPolicy(), RetryPolicy::from);
        this.fault = FaultPolicy.from(route.fault());
        this.mirrors = List.copyOf(mirrors);
        this.redirect = route.action() instanceof Redirect r ? r : null;
        this.directResponse = route.action() instanceof DirectResponse d ? d : null;
        this.requestHeaderOps = HeaderOps.of(route.requestHeaders(), forward == null ? null : forward.hostRewrite());
        this.responseHeaderOps = HeaderOps.of(route.responseHeaders(), null);
        this.pathRewrite = forward == null ? null : forward.rewrite();
        this.hostRewrite = forward == null ? null : forward.hostRewrite();
        this.hash = forward == null || forward.hashPolicies().isEmpty() ? null : RequestHash.of(forward.hashPolicies());
        // Weights are relative: weight/sum. A single destination takes everything whatever its weight.
        this.cumulativeWeights = new int[destinations.size()];
        int sum = 0;
        for (int i = 0; i < destinations.size(); i++) {
            int w = destinations.size() == 1 ? 1 : Math.max(0, destinations.get(i).weight());
            sum += w;
            cumulativeWeights[i] = sum;
        }
        this.totalWeight = sum;
        this.forwardTargets = new RouteDecision.Target[destinations.size()];
        for (int i = 0; i < forwardTargets.length; i++) {
            WeightedDestination d = this.destinations.get(i);
            if (d.cluster() != null) {
                forwardTargets[i] = new RouteDecision.Target(RouteAction.FORWARD, this, d, d.cluster(), 0, null);
            }
        }
    }

    /**
     * Routes of the route model that share one action (the match blocks of one Istio route, or a single route),
     * compiled: their matches ready to run, their clusters resolved ({@code destinations} and {@code mirrors} are
     * built by the caller, which knows the snapshot's clusters), policies resolved.
     *
     * @param origin   where the route came from, for messages (e.g. {@code virtual host reviews:9080})
     * @param position its position in its virtual host (its index unless it names its VirtualService route)
     */
    static CompiledRoute of(List<Route> blocks, String origin, int position, List<WeightedDestination> destinations,
                            List<Mirror> mirrors) {
        return of(blocks, origin, position, destinations, mirrors, new HashMap<>());
    }

    /**
     * Like {@link #of(List, String, int, List, List)}; compiled forms of model values (matches, retry policies) are
     * taken from {@code shared} when an equal value was compiled before, and put there otherwise, so that routes
     * written alike (the same header match, the same retries in every service) share one immutable object.
     */
    static CompiledRoute of(List<Route> blocks, String origin, int position, List<WeightedDestination> destinations,
                            List<Mirror> mirrors, Map<Object, Object> shared) {
        return new CompiledRoute(blocks, origin, position, destinations, mirrors, shared);
    }

    @SuppressWarnings("unchecked")
    private static <K, V> V sharedValue(Map<Object, Object> shared, K key, Function<K, V> compile) {
        Object value = shared.get(key);
        if (value == null) {
            value = compile.apply(key);
            if (value != null) {
                shared.put(key, value);
            }
        }
        return (V) value;
    }

    /** The name istiod gives the route of a service without VirtualService. */
    public static final String DEFAULT_ROUTE = "default";

    /** {@link #matchIndex} when no block matches. */
    static final int NO_MATCH = -2;

    /**
     * The index of the first match block that matches {@code request}, -1 for a route without blocks (it
     * matches everything), or {@link #NO_MATCH}.
     */
    int matchIndex(RouteRequest request) {
        if (matchers.isEmpty()) {
            return -1;
        }
        QueryParameters query = needsQuery ? QueryParameters.parse(request.query()) : null;
        for (int i = 0; i < matchers.size(); i++) {
            if (matchers.get(i).matches(request, query)) {
                return i;
            }
        }
        return NO_MATCH;
    }

    /**
     * Characters of {@code path} that block {@code matchIndex} consumed, as Envoy's prefix rewrite counts them:
     * the prefix of a {@code uri.prefix} match, the whole path for {@code exact} and {@code regex}, and 1 (the
     * {@code /} istiod gives routes without a URI match) otherwise.
     */
    public int consumedPathLength(int matchIndex, String path) {
        if (matchIndex < 0 || matchIndex >= matchers.size()) {
            return 1;
        }
        return matchers.get(matchIndex).consumedPathLength(path);
    }

    /** True when this route matches every request, so later routes are unreachable. */
    boolean isCatchAll() {
        return matchers.isEmpty() || matchers.stream().anyMatch(RouteMatcher::isCatchAll);
    }

    /** Chooses a destination by weight; null when there are none or all weights are 0. */
    WeightedDestination pickDestination(RandomGenerator random) {
        int i = pickDestinationIndex(random);
        return i < 0 ? null : destinations.get(i);
    }

    /** The index in {@link #destinations()} of a destination chosen by weight; -1 when none has a weight. */
    int pickDestinationIndex(RandomGenerator random) {
        if (totalWeight <= 0) {
            return -1;
        }
        if (cumulativeWeights.length == 1) {
            return 0;
        }
        int r = random.nextInt(totalWeight);
        for (int i = 0; i < cumulativeWeights.length; i++) {
            if (r < cumulativeWeights[i]) {
                return i;
            }
        }
        return destinations.size() - 1;
    }

    /**
     * What every decision to forward to destination {@code i} shares, made when the route was compiled; null when
     * that destination has no cluster.
     */
    public RouteDecision.Target forwardTarget(int i) {
        return forwardTargets[i];
    }

    /** {@code namespace/name} of the VirtualService the route was written from, or null. */
    public String virtualService() {
        return virtualService;
    }

    /**
     * Where the route came from, for messages: {@code VirtualService ns/name} for an Istio route, the virtual
     * host's origin or name for a route of the route model.
     */
    public String origin() {
        return origin;
    }

    /**
     * 0-based position in the VirtualService's {@code http} list (after delegate expansion), or in the virtual
     * host for a route without VirtualService.
     */
    public int index() {
        return index;
    }

    public String name() {
        return name;
    }

    /**
     * True for the route a service has without VirtualService (istiod's {@code default} route to the service's
     * cluster), which no config wrote.
     */
    public boolean isDefault() {
        return virtualService == null && DEFAULT_ROUTE.equals(name);
    }

    /**
     * One line per match block that applies to this client (blocks for other clients or gateways were dropped
     * when compiling), e.g. {@code headers.end-user exact "jason"}; empty when the route matches every request.
     * For dumps and the CLI.
     */
    public List<String> matchSummary() {
        if (matchers.size() == 1 && matchers.get(0).isCatchAll()) {
            return List.of();
        }
        return matchers.stream().map(RouteMatcher::toString).toList();
    }

    public RouteAction action() {
        return action;
    }

    public List<WeightedDestination> destinations() {
        return destinations;
    }

    public Duration timeout() {
        return timeout;
    }

    /** The retry policy, or null when retries are off. */
    public RetryPolicy retries() {
        return retries;
    }

    public FaultPolicy fault() {
        return fault;
    }

    public List<Mirror> mirrors() {
        return mirrors;
    }

    /** The redirect the route answers with, or null. */
    public Redirect redirect() {
        return redirect;
    }

    /** The fixed response the route answers with, or null. */
    public DirectResponse directResponse() {
        return directResponse;
    }

    /** The status of the direct response (200 unless set), for {@link RouteAction#DIRECT_RESPONSE} routes. */
    public int directResponseStatus() {
        return directResponse == null ? 200 : directResponse.status();
    }

    /** The authority sent upstream instead of the request's (Envoy's host rewrite), or null. */
    public String hostRewrite() {
        return hostRewrite;
    }

    /** What a consistent-hash balancer hashes for this route's requests (the route's hash policies), or null. */
    public RequestHash hash() {
        return hash;
    }

    /** Route-level request header changes (and the host rewrite as their authority), compiled. */
    public HeaderOps requestHeaderOps() {
        return requestHeaderOps;
    }

    /** Route-level response header changes, compiled. */
    public HeaderOps responseHeaderOps() {
        return responseHeaderOps;
    }

    /** The path rewrite (prefix, or regex compiled), or null. */
    public PathRewrite pathRewrite() {
        return pathRewrite;
    }

    /** The direct response's body bytes (decoded once), or null when the route does not answer itself. */
    public byte[] directResponseBody() {
        return directResponse == null ? null : directResponse.body();
    }

    @Override
    public String toString() {
        if (virtualService == null) {
            return origin + " route[" + index + "]" + (name == null ? "" : " (" + name + ")");
        }
        return virtualService + " http[" + index + "]" + (name == null ? "" : " (" + name + ")");
    }
}
