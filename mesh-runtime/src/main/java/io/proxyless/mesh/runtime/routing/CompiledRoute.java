package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.HTTPBody;
import io.proxyless.mesh.api.HTTPDirectResponse;
import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HTTPRedirect;
import io.proxyless.mesh.api.HTTPRewrite;
import io.proxyless.mesh.api.Headers;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.model.DirectResponse;
import io.proxyless.mesh.runtime.model.PathRewrite;
import io.proxyless.mesh.runtime.model.Redirect;
import io.proxyless.mesh.runtime.model.Route;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * One HTTPRoute of a VirtualService, compiled: matchers ready to run, weights as a cumulative table, policies
 * resolved. Immutable and shared by all requests of a snapshot.
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
    private final int[] cumulativeWeights;
    private final int totalWeight;
    private final Duration timeout;
    private final RetryPolicy retries;
    private final RetryPolicy retriesUnderHashing;
    private final FaultPolicy fault;
    private final List<Mirror> mirrors;
    private final Headers headers;
    private final HTTPRewrite rewrite;
    private final HTTPRedirect redirect;
    private final HTTPDirectResponse directResponse;
    private final Redirect redirectAction;
    private final int directResponseStatus;
    private final HeaderOps requestHeaderOps;
    private final HeaderOps responseHeaderOps;
    private final PathRewrite pathRewrite;
    private final String hostRewrite;
    private final RequestHash hash;
    private final byte[] directResponseBody;
    private final List<HTTPMatchRequest> matchBlocks;

    /** A route compiled from an Istio {@code HTTPRoute}. */
    CompiledRoute(String virtualService, int index, String name, List<RequestMatcher> matchers, RouteAction action,
                  List<WeightedDestination> destinations, Duration timeout, RetryPolicy retries,
                  RetryPolicy retriesUnderHashing, FaultPolicy fault, List<Mirror> mirrors, Headers headers,
                  HTTPRewrite rewrite, HTTPRedirect redirect, HTTPDirectResponse directResponse,
                  List<HTTPMatchRequest> matchBlocks) {
        this(virtualService, "VirtualService " + virtualService, index, name, List.<RouteMatcher>copyOf(matchers),
                action,
                destinations, timeout, retries, retriesUnderHashing, fault, mirrors, headers, rewrite, redirect,
                directResponse, null,
                directResponse == null || directResponse.status() == null ? 200 : directResponse.status(),
                HeaderOps.compile(headers == null ? null : headers.request()),
                HeaderOps.compile(headers == null ? null : headers.response()), pathRewrite(rewrite),
                rewrite != null && rewrite.authority() != null && !rewrite.authority().isEmpty()
                        ? rewrite.authority() : null,
                null, directResponse == null ? null : body(directResponse), matchBlocks);
    }

    private CompiledRoute(String virtualService, String origin, int index, String name, List<RouteMatcher> matchers,
                          RouteAction action, List<WeightedDestination> destinations, Duration timeout,
                          RetryPolicy retries, RetryPolicy retriesUnderHashing, FaultPolicy fault, List<Mirror> mirrors,
                          Headers headers, HTTPRewrite rewrite, HTTPRedirect redirect,
                          HTTPDirectResponse directResponse, Redirect redirectAction, int directResponseStatus,
                          HeaderOps requestHeaderOps, HeaderOps responseHeaderOps, PathRewrite pathRewrite,
                          String hostRewrite, RequestHash hash, byte[] directResponseBody,
                          List<HTTPMatchRequest> matchBlocks) {
        this.matchBlocks = List.copyOf(matchBlocks);
        this.virtualService = virtualService;
        this.origin = origin;
        this.index = index;
        this.name = name;
        this.matchers = matchers;
        this.needsQuery = matchers.stream().anyMatch(RouteMatcher::needsQuery);
        this.action = action;
        this.destinations = List.copyOf(destinations);
        this.timeout = timeout;
        this.retries = retries;
        this.retriesUnderHashing = retriesUnderHashing;
        this.fault = fault;
        this.mirrors = List.copyOf(mirrors);
        this.headers = headers;
        this.rewrite = rewrite;
        this.redirect = redirect;
        this.directResponse = directResponse;
        this.redirectAction = redirectAction;
        this.directResponseStatus = directResponseStatus;
        this.requestHeaderOps = requestHeaderOps;
        this.responseHeaderOps = responseHeaderOps;
        this.pathRewrite = pathRewrite;
        this.hostRewrite = hostRewrite;
        this.hash = hash;
        this.directResponseBody = directResponseBody;
        // Weights are relative: weight/sum. A single destination takes everything whatever its weight.
        this.cumulativeWeights = new int[destinations.size()];
        int sum = 0;
        for (int i = 0; i < destinations.size(); i++) {
            int w = destinations.size() == 1 ? 1 : Math.max(0, destinations.get(i).weight());
            sum += w;
            cumulativeWeights[i] = sum;
        }
        this.totalWeight = sum;
    }

    /**
     * A route of the route model, compiled: its match ready to run, its clusters resolved ({@code destinations}
     * and {@code mirrors} are built by the caller, which knows the snapshot's clusters), policies resolved.
     *
     * @param origin where the route came from, for messages (e.g. {@code virtual host reviews:9080})
     * @param index  its position in its virtual host
     */
    static CompiledRoute of(Route route, String origin, int index, List<WeightedDestination> destinations,
                            List<Mirror> mirrors) {
        io.proxyless.mesh.runtime.model.RouteAction forward = route.routeAction();
        RouteAction action = route.action() instanceof Redirect ? RouteAction.REDIRECT
                : route.action() instanceof DirectResponse ? RouteAction.DIRECT_RESPONSE : RouteAction.FORWARD;
        RetryPolicy retries = forward == null ? null : RetryPolicy.from(forward.retryPolicy());
        DirectResponse direct = route.action() instanceof DirectResponse d ? d : null;
        return new CompiledRoute(null, origin, index, route.name(), List.of(ModelRouteMatcher.of(route.match())),
                action, destinations, forward == null ? null : forward.timeout(), retries, retries,
                FaultPolicy.from(route.fault()), mirrors, null, null, null, null,
                route.action() instanceof Redirect r ? r : null, direct == null ? 200 : direct.status(),
                HeaderOps.of(route.requestHeaders()), HeaderOps.of(route.responseHeaders()),
                forward == null ? null : forward.rewrite(), forward == null ? null : forward.hostRewrite(),
                forward == null || forward.hashPolicies().isEmpty() ? null : RequestHash.of(forward.hashPolicies()),
                direct == null ? null : direct.body(), List.of());
    }

    /** Istio's {@code rewrite}: a regex rewrite wins over {@code uri} (istiod sets one or the other). */
    private static PathRewrite pathRewrite(HTTPRewrite rewrite) {
        if (rewrite == null) {
            return null;
        }
        if (rewrite.uriRegexRewrite() != null && rewrite.uriRegexRewrite().match() != null) {
            String template = rewrite.uriRegexRewrite().rewrite();
            return PathRewrite.regex(rewrite.uriRegexRewrite().match(), template == null ? "" : template);
        }
        if (rewrite.uri() != null && !rewrite.uri().isEmpty()) {
            return PathRewrite.prefix(rewrite.uri());
        }
        return null;
    }

    /** {@code body.string} as UTF-8, or {@code body.bytes} base64-decoded; empty when unset. */
    private static byte[] body(HTTPDirectResponse response) {
        HTTPBody body = response.body();
        if (body == null) {
            return new byte[0];
        }
        if (body.string() != null) {
            return body.string().getBytes(StandardCharsets.UTF_8);
        }
        if (body.bytes() != null) {
            return Base64.getDecoder().decode(body.bytes());
        }
        return new byte[0];
    }

    /** The Istio match blocks that apply to this client, in order; empty when the route matches everything. */
    List<HTTPMatchRequest> matchBlocks() {
        return matchBlocks;
    }

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
        if (totalWeight <= 0) {
            return null;
        }
        if (cumulativeWeights.length == 1) {
            return destinations.get(0);
        }
        int r = random.nextInt(totalWeight);
        for (int i = 0; i < cumulativeWeights.length; i++) {
            if (r < cumulativeWeights[i]) {
                return destinations.get(i);
            }
        }
        return destinations.get(destinations.size() - 1);
    }

    /** {@code namespace/name} of the VirtualService, or null for a route of the route model. */
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

    /** 0-based position in the VirtualService's {@code http} list, after delegate expansion. */
    public int index() {
        return index;
    }

    public String name() {
        return name;
    }

    /**
     * One line per match block that applies to this client (blocks for other clients or gateways were dropped
     * when compiling), e.g. {@code headers.end-user exact "jason"}; empty when the route matches every request.
     * For dumps and the CLI.
     */
    public List<String> matchSummary() {
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

    /** The effective retry policy, or null when retries are off; hashing clusters do not avoid previous hosts. */
    public RetryPolicy retries(boolean consistentHash) {
        return consistentHash ? retriesUnderHashing : retries;
    }

    public FaultPolicy fault() {
        return fault;
    }

    public List<Mirror> mirrors() {
        return mirrors;
    }

    /** Route-level header operations, or null. */
    public Headers headers() {
        return headers;
    }

    public HTTPRewrite rewrite() {
        return rewrite;
    }

    public HTTPRedirect redirect() {
        return redirect;
    }

    public HTTPDirectResponse directResponse() {
        return directResponse;
    }

    /** The redirect of a route of the route model, or null (an Istio route: {@link #redirect()}). */
    public Redirect redirectAction() {
        return redirectAction;
    }

    /** The status of the direct response (200 unless set), for {@link RouteAction#DIRECT_RESPONSE} routes. */
    public int directResponseStatus() {
        return directResponseStatus;
    }

    /** The authority sent upstream instead of the request's ({@code rewrite.authority}, Envoy's host rewrite), or null. */
    public String hostRewrite() {
        return hostRewrite;
    }

    /** What a consistent-hash cluster hashes for this route's requests, or null: the cluster decides (Istio). */
    public RequestHash hash() {
        return hash;
    }

    /** Route-level {@code headers.request}, compiled. */
    public HeaderOps requestHeaderOps() {
        return requestHeaderOps;
    }

    /** Route-level {@code headers.response}, compiled. */
    public HeaderOps responseHeaderOps() {
        return responseHeaderOps;
    }

    /** The path rewrite ({@code rewrite.uri} or {@code rewrite.uriRegexRewrite}, regex compiled), or null. */
    public PathRewrite pathRewrite() {
        return pathRewrite;
    }

    /** The direct response's body bytes (decoded once), or null when the route does not answer itself. */
    public byte[] directResponseBody() {
        return directResponseBody == null ? null : directResponseBody.clone();
    }

    @Override
    public String toString() {
        if (virtualService == null) {
            return origin + " route[" + index + "]" + (name == null ? "" : " (" + name + ")");
        }
        return virtualService + " http[" + index + "]" + (name == null ? "" : " (" + name + ")");
    }
}
