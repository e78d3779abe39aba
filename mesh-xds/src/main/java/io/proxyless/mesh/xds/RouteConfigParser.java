package io.proxyless.mesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteAction.RequestMirrorPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.proxyless.mesh.api.HTTPBody;
import io.proxyless.mesh.api.HTTPDirectResponse;
import io.proxyless.mesh.api.HTTPFaultInjection;
import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HTTPMirrorPolicy;
import io.proxyless.mesh.api.HTTPRedirect;
import io.proxyless.mesh.api.HTTPRetry;
import io.proxyless.mesh.api.HTTPRewrite;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.HTTPRouteDestination;
import io.proxyless.mesh.api.Headers;
import io.proxyless.mesh.api.LoadBalancerSettings.ConsistentHashLB;
import io.proxyless.mesh.api.Percent;
import io.proxyless.mesh.api.RegexRewrite;
import io.proxyless.mesh.api.StringMatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * RouteConfiguration → Istio routes. Small static functions, one per message, each returning a value (or null
 * when the part is rejected) and recording problems in a {@link Findings}; no I/O, no state. A route this client
 * cannot carry out as the server meant it (an action, cluster specifier or match condition it cannot evaluate)
 * is an error, so the RouteConfiguration is NACKed with the reason: skipping the route would send its requests
 * to a later route instead.
 *
 * <p>The mapping is the inverse of what istiod does for a VirtualService ({@code pilot/pkg/networking/core/route}):
 * one Envoy route per match block (consecutive routes of one Istio route are merged back), weighted clusters →
 * weighted destinations, Istio's default retry policy → {@code retries} unset, {@code timeout: 0s} → no timeout.
 */
final class RouteConfigParser {
    static final String FAULT_FILTER = "envoy.filters.http.fault";
    static final String FAULT_TYPE = "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";
    static final String FILTER_CONFIG_TYPE = "type.googleapis.com/envoy.config.route.v3.FilterConfig";
    /** Envoy's route timeout when a route sets none (sidecar shape). */
    static final Duration ENVOY_DEFAULT_TIMEOUT = Duration.ofSeconds(15);
    static final String DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
    private static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";
    private static final String PREVIOUS_PRIORITIES = "envoy.retry_priorities.previous_priorities";

    private static final Set<String> CONFIG_FIELDS = Set.of("name", "virtual_hosts", "validate_clusters",
            "max_direct_response_body_size_bytes", "ignore_port_in_host_matching", "internal_only_headers",
            "most_specific_header_mutations_wins", "metadata");
    private static final Set<String> VHOST_FIELDS = Set.of("name", "domains", "routes", "retry_policy",
            "include_request_attempt_count", "include_attempt_count_in_response", "virtual_clusters",
            "per_request_buffer_limit_bytes", "metadata", "stat_prefix");
    private static final Set<String> ROUTE_FIELDS = Set.of("name", "match", "route", "redirect", "direct_response",
            "typed_per_filter_config", "request_headers_to_add", "request_headers_to_remove",
            "response_headers_to_add", "response_headers_to_remove", "metadata", "decorator", "tracing",
            "per_request_buffer_limit_bytes", "stat_prefix", "request_body_buffer_limit");
    private static final Set<String> MATCH_FIELDS = Set.of("prefix", "path", "safe_regex", "path_separated_prefix",
            "case_sensitive", "headers", "query_parameters", "grpc", "runtime_fraction");
    /** Match conditions on connection or filter state, which a client-side mesh cannot evaluate. */
    private static final List<String> UNEVALUABLE_MATCH_FIELDS = List.of("tls_context", "dynamic_metadata",
            "filter_state");
    private static final Set<String> ACTION_FIELDS = Set.of("cluster", "weighted_clusters", "timeout",
            "max_stream_duration", "max_grpc_timeout", "retry_policy", "request_mirror_policies", "hash_policy",
            "prefix_rewrite", "regex_rewrite", "host_rewrite_literal", "cluster_not_found_response_code", "priority",
            "upgrade_configs", "append_x_forwarded_host");
    private static final Set<String> RETRY_FIELDS = Set.of("retry_on", "num_retries", "per_try_timeout",
            "retry_host_predicate", "host_selection_retry_max_attempts", "retriable_status_codes", "retry_back_off",
            "retry_priority");
    private static final Set<String> CLUSTER_WEIGHT_FIELDS = Set.of("name", "weight", "request_headers_to_add",
            "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove", "metadata_match");
    private static final Set<String> FAULT_FIELDS = Set.of("delay", "abort");

    /** Envoy's (and grpc-java's) bound on the sum of a route's cluster weights: the uint32 range. */
    static final long MAX_TOTAL_WEIGHT = 0xFFFF_FFFFL;

    private RouteConfigParser() {
    }

    /** Parses a whole RouteConfiguration. */
    static Parsed<XdsRouteConfig> parse(RouteConfiguration rc, ParseContext ctx) {
        Findings f = new Findings();
        XdsRouteConfig value = parseRouteConfiguration(rc, "", ctx, f);
        return Parsed.of(value, f);
    }

    static XdsRouteConfig parseRouteConfiguration(RouteConfiguration rc, String path, ParseContext ctx, Findings f) {
        f.unsupportedFields(rc, path, CONFIG_FIELDS);
        List<XdsRouteConfig.VirtualHost> hosts = new ArrayList<>();
        for (int i = 0; i < rc.getVirtualHostsCount(); i++) {
            hosts.add(parseVirtualHost(rc.getVirtualHosts(i), Findings.join(path, "virtual_hosts[" + i + "]"), ctx, f));
        }
        return new XdsRouteConfig(rc.getName(), hosts);
    }

    static XdsRouteConfig.VirtualHost parseVirtualHost(VirtualHost vh, String path, ParseContext ctx, Findings f) {
        f.unsupportedFields(vh, path, VHOST_FIELDS);
        if (vh.getDomainsCount() == 0) {
            f.error(Findings.join(path, "domains"), "a virtual host needs at least one domain");
        }
        List<XdsRouteConfig.Route> routes = new ArrayList<>();
        for (int i = 0; i < vh.getRoutesCount(); i++) {
            // Envoy: a route without its own retry policy uses the virtual host's.
            XdsRouteConfig.Route r = parseRoute(vh.getRoutes(i), vh.hasRetryPolicy() ? vh.getRetryPolicy() : null,
                    Findings.join(path, "routes[" + i + "]"), ctx, f);
            if (r != null) {
                routes.add(r);
            }
        }
        return new XdsRouteConfig.VirtualHost(vh.getName(), vh.getDomainsList(), mergeMatchBlocks(routes));
    }

    /**
     * istiod turns each match block of an HTTPRoute into its own Envoy route, all with the route's name; putting
     * them back together gives the same route index as the VirtualService.
     */
    static List<XdsRouteConfig.Route> mergeMatchBlocks(List<XdsRouteConfig.Route> routes) {
        List<XdsRouteConfig.Route> out = new ArrayList<>();
        for (XdsRouteConfig.Route r : routes) {
            if (!out.isEmpty()) {
                XdsRouteConfig.Route last = out.get(out.size() - 1);
                HTTPRoute a = last.route();
                HTTPRoute b = r.route();
                if (a.name() != null && !a.name().isEmpty() && !a.match().isEmpty() && !b.match().isEmpty()
                        && withoutMatch(a).equals(withoutMatch(b)) && last.timeoutSet() == r.timeoutSet()
                        && last.faultSet() == r.faultSet() && Objects.equals(last.hashPolicy(), r.hashPolicy())
                        && Objects.equals(last.istioConfig(), r.istioConfig())) {
                    List<HTTPMatchRequest> match = new ArrayList<>(a.match());
                    match.addAll(b.match());
                    out.set(out.size() - 1, last.withRoute(withMatch(a, match)));
                    continue;
                }
            }
            out.add(r);
        }
        return out;
    }

    private static HTTPRoute withoutMatch(HTTPRoute r) {
        return withMatch(r, List.of());
    }

    static HTTPRoute withMatch(HTTPRoute r, List<HTTPMatchRequest> match) {
        return new HTTPRoute(r.name(), match, r.route(), r.redirect(), r.directResponse(), r.delegate(), r.rewrite(),
                r.timeout(), r.retries(), r.fault(), r.mirror(), r.mirrors(), r.mirrorPercent(), r.mirrorPercentage(),
                r.corsPolicy(), r.headers());
    }

    /** One Envoy route, or null when it cannot be carried out (the error says why). */
    static XdsRouteConfig.Route parseRoute(Route route, RetryPolicy virtualHostRetry, String path, ParseContext ctx,
                                           Findings f) {
        f.unsupportedFields(route, path, ROUTE_FIELDS);
        HTTPMatchRequest match = parseMatch(route.getMatch(), Findings.join(path, "match"), f);
        if (match == null) {
            return null;
        }
        List<String> clusters = new ArrayList<>();
        List<HTTPRouteDestination> destinations = List.of();
        HTTPRedirect redirect = null;
        HTTPDirectResponse directResponse = null;
        HTTPRewrite rewrite = null;
        HTTPRetry retries = HTTPRetry.disabled();
        List<HTTPMirrorPolicy> mirrors = List.of();
        Duration timeout = null;
        boolean timeoutSet = false;
        ConsistentHashLB hash = null;
        switch (route.getActionCase()) {
            case ROUTE -> {
                RouteAction a = route.getRoute();
                String ap = Findings.join(path, "route");
                f.unsupportedFields(a, ap, ACTION_FIELDS);
                destinations = parseDestinations(a, ap, clusters, f);
                if (destinations == null) {
                    return null;
                }
                if (a.hasRetryPolicy() || virtualHostRetry != null) {
                    retries = parseRetryPolicy(a.hasRetryPolicy() ? a.getRetryPolicy() : virtualHostRetry,
                            Findings.join(ap, "retry_policy"), f);
                }
                mirrors = parseMirrors(a.getRequestMirrorPoliciesList(), ap, clusters, f);
                rewrite = parseRewrite(a, ap, f);
                hash = parseHashPolicy(a, Findings.join(ap, "hash_policy"), f);
                Duration[] t = parseTimeout(a, ctx);
                timeoutSet = t != null;
                timeout = t == null ? (ctx.proxyless() ? null : ENVOY_DEFAULT_TIMEOUT) : t[0];
            }
            case REDIRECT -> redirect = parseRedirect(route.getRedirect(), Findings.join(path, "redirect"), f);
            case DIRECT_RESPONSE -> directResponse = parseDirectResponse(route.getDirectResponse(),
                    Findings.join(path, "direct_response"), f);
            default -> {
                // Skipping it would send its requests to a later route instead: not what the server meant.
                f.error(path, "route action " + route.getActionCase() + " cannot be carried out by this client");
                return null;
            }
        }
        HTTPFaultInjection fault = null;
        boolean faultSet = false;
        for (Map.Entry<String, Any> e : route.getTypedPerFilterConfigMap().entrySet()) {
            String fp = Findings.join(path, "typed_per_filter_config." + e.getKey());
            Any config = e.getValue();
            if (e.getKey().equals(FAULT_FILTER) || config.getTypeUrl().equals(FAULT_TYPE)) {
                fault = parseFaultConfig(config, fp, f);
                faultSet = true;
            } else {
                f.warn(fp, "per-route config of this filter is not supported; ignored");
            }
        }
        Headers.HeaderOperations request = ProtoValues.headerOperations(route.getRequestHeadersToAddList(),
                route.getRequestHeadersToRemoveList(), path, "request_headers_to_add", f);
        Headers.HeaderOperations response = ProtoValues.headerOperations(route.getResponseHeadersToAddList(),
                route.getResponseHeadersToRemoveList(), path, "response_headers_to_add", f);
        Headers headers = request == null && response == null ? null : new Headers(request, response);
        String name = route.getName().isEmpty() ? null : route.getName();
        HTTPRoute http = new HTTPRoute(name, match.equals(EMPTY_MATCH) ? List.of() : List.of(match), destinations,
                redirect, directResponse, null, rewrite, timeout, redirect == null && directResponse == null ? retries
                : null, fault, null, mirrors, null, null, null, headers);
        return new XdsRouteConfig.Route(http, timeoutSet, faultSet, clusters, hash, istioConfig(route));
    }

    private static final HTTPMatchRequest EMPTY_MATCH = HTTPMatchRequest.ofUri(StringMatch.prefix("/"));

    /**
     * The route's timeout as {@code [timeout]} (null element = none), or null when the route sets none. Envoy
     * (sidecar) enforces both {@code timeout} and {@code max_stream_duration}, so the shorter non-zero one wins;
     * gRPC reads only {@code max_stream_duration}, which istiod sets for proxyless nodes, so it comes first there.
     */
    static Duration[] parseTimeout(RouteAction a, ParseContext ctx) {
        Duration routeTimeout = a.hasTimeout() ? ProtoValues.duration(a.getTimeout()) : null;
        Duration streamDuration = a.hasMaxStreamDuration() && a.getMaxStreamDuration().hasMaxStreamDuration()
                ? ProtoValues.duration(a.getMaxStreamDuration().getMaxStreamDuration()) : null;
        if (routeTimeout == null && streamDuration == null) {
            return null;
        }
        if (ctx.proxyless()) {
            Duration d = streamDuration != null ? streamDuration : routeTimeout;
            return new Duration[] {d.isZero() ? null : d};
        }
        Duration t = routeTimeout == null ? ENVOY_DEFAULT_TIMEOUT : routeTimeout;
        Duration best = null;
        for (Duration d : new Duration[] {t, streamDuration}) {
            if (d != null && !d.isZero() && (best == null || d.compareTo(best) < 0)) {
                best = d;
            }
        }
        return new Duration[] {best};
    }

    /** One route's match, or null (an error) when it has a condition this client cannot evaluate. */
    static HTTPMatchRequest parseMatch(RouteMatch m, String path, Findings f) {
        f.unsupportedFields(m, path, MATCH_FIELDS);
        boolean caseSensitive = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
        StringMatch uri;
        Boolean ignoreUriCase = null;
        switch (m.getPathSpecifierCase()) {
            case PREFIX -> uri = StringMatch.prefix(m.getPrefix());
            case PATH -> uri = StringMatch.exact(m.getPath());
            case SAFE_REGEX -> {
                String regex = ProtoValues.regex(m.getSafeRegex(), Findings.join(path, "safe_regex"), f);
                uri = StringMatch.regex(caseSensitive ? regex : "(?i)(?:" + regex + ")");
                caseSensitive = true;
            }
            case PATH_SEPARATED_PREFIX -> {
                // "/foo" matches /foo and /foo/..., not /foobar: a regex says the same (the query is not part of it).
                uri = StringMatch.regex((caseSensitive ? "" : "(?i)") + ProtoValues.quote(m.getPathSeparatedPrefix())
                        + "(/.*)?");
                caseSensitive = true;
            }
            default -> {
                f.error(path, "path matcher " + m.getPathSpecifierCase() + " cannot be evaluated by this client");
                return null;
            }
        }
        if (!caseSensitive) {
            ignoreUriCase = true;
        }
        // Conditions on what a client-side mesh does not see: ignoring one would widen the route.
        for (String condition : UNEVALUABLE_MATCH_FIELDS) {
            if (m.getAllFields().keySet().stream().anyMatch(fd -> fd.getName().equals(condition))) {
                f.error(Findings.join(path, condition), "cannot be evaluated by this client");
                return null;
            }
        }
        if (m.hasRuntimeFraction()) {
            double pct = ProtoValues.percent(m.getRuntimeFraction().getDefaultValue());
            if (pct < 100) {
                f.warn(Findings.join(path, "runtime_fraction"), "matching " + pct + "% of requests is not supported;"
                        + " the route matches all requests its other conditions match");
            }
        }
        Map<String, StringMatch> headers = new LinkedHashMap<>();
        Map<String, StringMatch> without = new LinkedHashMap<>();
        StringMatch authority = null;
        StringMatch method = null;
        StringMatch scheme = null;
        for (int i = 0; i < m.getHeadersCount(); i++) {
            HeaderMatcher h = m.getHeaders(i);
            String hp = Findings.join(path, "headers[" + i + "]");
            StringMatch sm = headerMatch(h, hp, f);
            if (sm == null) {
                f.error(hp, "header matcher " + h.getHeaderMatchSpecifierCase() + " cannot be evaluated by this client");
                return null;
            }
            boolean present = !(h.getHeaderMatchSpecifierCase() == HeaderMatcher.HeaderMatchSpecifierCase.PRESENT_MATCH
                    && !h.getPresentMatch());
            boolean invert = h.getInvertMatch() != !present; // present_match: false is "absent", an inverted presence
            if (h.getTreatMissingHeaderAsEmpty()) {
                f.warn(Findings.join(hp, "treat_missing_header_as_empty"), "not supported; a missing header never"
                        + " matches a value");
            }
            String name = h.getName().toLowerCase(Locale.ROOT);
            if (!invert && name.equals(":authority") && authority == null) {
                authority = sm;
            } else if (!invert && name.equals(":method") && method == null) {
                method = sm;
            } else if (!invert && name.equals(":scheme") && scheme == null) {
                scheme = sm;
            } else {
                Map<String, StringMatch> target = invert ? without : headers;
                if (target.containsKey(name)) {
                    f.error(hp, "a second matcher on header " + name + " cannot be evaluated by this client");
                    return null;
                }
                target.put(name, sm);
            }
        }
        if (m.hasGrpc()) {
            if (headers.containsKey("content-type")) {
                f.error(Findings.join(path, "grpc"), "cannot be evaluated together with a content-type matcher by"
                        + " this client");
                return null;
            }
            headers.put("content-type", StringMatch.prefix("application/grpc"));
        }
        Map<String, StringMatch> query = new LinkedHashMap<>();
        for (int i = 0; i < m.getQueryParametersCount(); i++) {
            QueryParameterMatcher q = m.getQueryParameters(i);
            String qp = Findings.join(path, "query_parameters[" + i + "]");
            StringMatch sm;
            if (q.hasStringMatch()) {
                sm = ProtoValues.stringMatch(q.getStringMatch(), Findings.join(qp, "string_match"), f);
            } else if (!q.hasStringMatch() && (q.getPresentMatch()
                    || q.getQueryParameterMatchSpecifierCase()
                    == QueryParameterMatcher.QueryParameterMatchSpecifierCase.QUERYPARAMETERMATCHSPECIFIER_NOT_SET)) {
                sm = new StringMatch(null, null, null);
            } else {
                f.error(qp, "present_match: false cannot be evaluated by this client");
                return null;
            }
            if (sm == null || query.containsKey(q.getName())) {
                f.error(qp, "cannot be evaluated by this client");
                return null;
            }
            query.put(q.getName(), sm);
        }
        return new HTTPMatchRequest(null, uri, scheme, method, authority, headers, null, Map.of(), List.of(), query,
                ignoreUriCase, without, null, null);
    }

    /** The value part of a header matcher ({@code {}} for presence), or null when it has no Istio form. */
    static StringMatch headerMatch(HeaderMatcher h, String path, Findings f) {
        return switch (h.getHeaderMatchSpecifierCase()) {
            case EXACT_MATCH -> StringMatch.exact(h.getExactMatch());
            case PREFIX_MATCH -> StringMatch.prefix(h.getPrefixMatch());
            case SUFFIX_MATCH -> StringMatch.regex(".*" + ProtoValues.quote(h.getSuffixMatch()));
            case CONTAINS_MATCH -> StringMatch.regex(".*" + ProtoValues.quote(h.getContainsMatch()) + ".*");
            case SAFE_REGEX_MATCH -> StringMatch.regex(ProtoValues.regex(h.getSafeRegexMatch(),
                    Findings.join(path, "safe_regex_match"), f));
            case STRING_MATCH -> ProtoValues.stringMatch(h.getStringMatch(), Findings.join(path, "string_match"), f);
            case PRESENT_MATCH, HEADERMATCHSPECIFIER_NOT_SET -> new StringMatch(null, null, null);
            default -> null;
        };
    }

    /** {@code cluster} or {@code weighted_clusters} → destinations; null (an error) for other specifiers. */
    static List<HTTPRouteDestination> parseDestinations(RouteAction a, String path, List<String> clusters,
                                                        Findings f) {
        switch (a.getClusterSpecifierCase()) {
            case CLUSTER -> {
                clusters.add(a.getCluster());
                return List.of(HTTPRouteDestination.of(ClusterName.parse(a.getCluster()).destination()));
            }
            case WEIGHTED_CLUSTERS -> {
                WeightedCluster wc = a.getWeightedClusters();
                String wp = Findings.join(path, "weighted_clusters");
                f.unsupportedFields(wc, wp, Set.of("clusters", "total_weight", "runtime_key_prefix"));
                // Envoy and grpc-java reject these rather than fail every call on the route; so does the file
                // loader ("total destination weight = 0").
                long total = 0;
                for (WeightedCluster.ClusterWeight cw : wc.getClustersList()) {
                    total += cw.hasWeight() ? Integer.toUnsignedLong(cw.getWeight().getValue()) : 0;
                }
                if (total == 0) {
                    f.error(Findings.join(wp, "clusters"), "the sum of the cluster weights is 0");
                    return null;
                }
                if (total > MAX_TOTAL_WEIGHT) {
                    f.error(Findings.join(wp, "clusters"), "the sum of the cluster weights, " + total
                            + ", exceeds " + MAX_TOTAL_WEIGHT);
                    return null;
                }
                List<HTTPRouteDestination> out = new ArrayList<>();
                for (int i = 0; i < wc.getClustersCount(); i++) {
                    WeightedCluster.ClusterWeight cw = wc.getClusters(i);
                    String cp = Findings.join(wp, "clusters[" + i + "]");
                    f.unsupportedFields(cw, cp, CLUSTER_WEIGHT_FIELDS);
                    if (cw.getName().isEmpty()) {
                        // Dropping it would hand its share of the traffic to the others.
                        f.error(cp, "a weighted cluster without a name (cluster_header) cannot be carried out by this"
                                + " client");
                        return null;
                    }
                    if (cw.hasMetadataMatch()) {
                        f.warn(Findings.join(cp, "metadata_match"), "endpoint subsets by metadata are not supported;"
                                + " all endpoints of the cluster are used");
                    }
                    clusters.add(cw.getName());
                    Headers.HeaderOperations req = ProtoValues.headerOperations(cw.getRequestHeadersToAddList(),
                            cw.getRequestHeadersToRemoveList(), cp, "request_headers_to_add", f);
                    Headers.HeaderOperations resp = ProtoValues.headerOperations(cw.getResponseHeadersToAddList(),
                            cw.getResponseHeadersToRemoveList(), cp, "response_headers_to_add", f);
                    out.add(new HTTPRouteDestination(ClusterName.parse(cw.getName()).destination(),
                            cw.hasWeight() ? ProtoValues.clampToInt(cw.getWeight().getValue()) : 0,
                            req == null && resp == null ? null : new Headers(req, resp)));
                }
                return out;
            }
            default -> {
                f.error(Findings.join(path, a.getClusterSpecifierCase().name().toLowerCase(Locale.ROOT)),
                        "this cluster specifier cannot be carried out by this client");
                return null;
            }
        }
    }

    /**
     * Envoy's retry policy as Istio's {@code retries}. Istio's own default policy (what istiod sends for a route
     * without {@code retries}) maps back to {@code retries} unset, so the engine applies the same default it
     * applies in file mode.
     */
    static HTTPRetry parseRetryPolicy(RetryPolicy p, String path, Findings f) {
        f.unsupportedFields(p, path, RETRY_FIELDS);
        // Envoy retries once when num_retries is unset.
        int attempts = p.hasNumRetries() ? ProtoValues.clampToInt(p.getNumRetries().getValue()) : 1;
        if (attempts == 0) {
            return HTTPRetry.disabled();
        }
        List<String> tokens = new ArrayList<>();
        for (String t : p.getRetryOn().split(",")) {
            if (!t.isBlank()) {
                tokens.add(t.trim());
            }
        }
        for (int code : p.getRetriableStatusCodesList()) {
            tokens.add(Integer.toString(code));
        }
        boolean previousHosts = false;
        for (int i = 0; i < p.getRetryHostPredicateCount(); i++) {
            String name = p.getRetryHostPredicate(i).getName();
            if (name.equals(PREVIOUS_HOSTS)) {
                previousHosts = true;
            } else {
                f.warn(Findings.join(path, "retry_host_predicate[" + i + "]"), name + " is not supported; ignored");
            }
        }
        Boolean remoteLocalities = null;
        if (p.hasRetryPriority()) {
            if (p.getRetryPriority().getName().equals(PREVIOUS_PRIORITIES)) {
                // Istio's retryRemoteLocalities; kept in the model, which marks it not acted on.
                remoteLocalities = true;
                f.warn(Findings.join(path, "retry_priority"), "retries avoid previously tried hosts but do not"
                        + " prefer other localities (Istio's retryRemoteLocalities is not supported)");
            } else {
                f.warn(Findings.join(path, "retry_priority"), p.getRetryPriority().getName()
                        + " is not supported; ignored");
            }
        }
        Duration perTry = p.hasPerTryTimeout() && !ProtoValues.duration(p.getPerTryTimeout()).isZero()
                ? ProtoValues.duration(p.getPerTryTimeout()) : null;
        Duration backoff = null;
        if (p.hasRetryBackOff()) {
            backoff = ProtoValues.duration(p.getRetryBackOff().getBaseInterval());
            if (p.getRetryBackOff().hasMaxInterval()
                    && !ProtoValues.duration(p.getRetryBackOff().getMaxInterval()).equals(backoff.multipliedBy(10))) {
                f.warn(Findings.join(path, "retry_back_off.max_interval"), "only Envoy's default, 10 × base_interval,"
                        + " is supported; that is used");
            }
        }
        String retryOn = String.join(",", tokens);
        if (attempts == 2 && retryOn.equals(DEFAULT_RETRY_ON) && perTry == null && backoff == null
                && remoteLocalities == null) {
            return null; // Istio's default policy: the engine applies it (and drops previous_hosts under hashing)
        }
        return new HTTPRetry(attempts, perTry, retryOn.isEmpty() ? null : retryOn, remoteLocalities, previousHosts,
                backoff);
    }

    static List<HTTPMirrorPolicy> parseMirrors(List<RequestMirrorPolicy> policies, String path, List<String> clusters,
                                               Findings f) {
        List<HTTPMirrorPolicy> out = new ArrayList<>();
        for (int i = 0; i < policies.size(); i++) {
            RequestMirrorPolicy m = policies.get(i);
            String mp = Findings.join(path, "request_mirror_policies[" + i + "]");
            f.unsupportedFields(m, mp, Set.of("cluster", "runtime_fraction", "trace_sampled",
                    "disable_shadow_host_suffix_append"));
            if (m.getCluster().isEmpty()) {
                f.warn(mp, "a mirror without a cluster name (cluster_header) is not supported; skipped");
                continue;
            }
            clusters.add(m.getCluster());
            double pct = m.hasRuntimeFraction() ? ProtoValues.percent(m.getRuntimeFraction().getDefaultValue()) : 100;
            out.add(HTTPMirrorPolicy.of(ClusterName.parse(m.getCluster()).destination(), Percent.of(pct)));
        }
        return out;
    }

    static HTTPRewrite parseRewrite(RouteAction a, String path, Findings f) {
        String uri = a.getPrefixRewrite().isEmpty() ? null : a.getPrefixRewrite();
        RegexRewrite regex = null;
        if (a.hasRegexRewrite()) {
            regex = RegexRewrite.of(ProtoValues.regex(a.getRegexRewrite().getPattern(),
                    Findings.join(path, "regex_rewrite.pattern"), f), a.getRegexRewrite().getSubstitution());
        }
        String authority = null;
        switch (a.getHostRewriteSpecifierCase()) {
            case HOST_REWRITE_LITERAL -> authority = a.getHostRewriteLiteral();
            case HOSTREWRITESPECIFIER_NOT_SET -> {
            }
            default -> f.warn(Findings.join(path, a.getHostRewriteSpecifierCase().name().toLowerCase(Locale.ROOT)),
                    "not supported; the Host header is not rewritten");
        }
        if (uri == null && regex == null && authority == null) {
            return null;
        }
        return new HTTPRewrite(uri, authority, regex);
    }

    /** The first hash policy as Istio's consistent-hash key (Istio sends exactly one). */
    static ConsistentHashLB parseHashPolicy(RouteAction a, String path, Findings f) {
        if (a.getHashPolicyCount() == 0) {
            return null;
        }
        if (a.getHashPolicyCount() > 1) {
            f.warn(path, "only the first hash policy is used");
        }
        RouteAction.HashPolicy h = a.getHashPolicy(0);
        String hp = path + "[0]";
        return switch (h.getPolicySpecifierCase()) {
            case HEADER -> ConsistentHashLB.httpHeaderName(h.getHeader().getHeaderName());
            case COOKIE -> {
                RouteAction.HashPolicy.Cookie c = h.getCookie();
                yield ConsistentHashLB.httpCookie(new io.proxyless.mesh.api.LoadBalancerSettings.ConsistentHashLB
                        .HTTPCookie(c.getName(), c.getPath().isEmpty() ? null : c.getPath(),
                        c.hasTtl() ? ProtoValues.duration(c.getTtl()) : null, List.of()));
            }
            case CONNECTION_PROPERTIES -> {
                if (!h.getConnectionProperties().getSourceIp()) {
                    f.warn(hp, "connection_properties without source_ip hashes nothing; ignored");
                    yield null;
                }
                yield ConsistentHashLB.sourceIp();
            }
            case QUERY_PARAMETER -> ConsistentHashLB.httpQueryParameterName(h.getQueryParameter().getName());
            default -> {
                f.warn(hp, "hash policy " + h.getPolicySpecifierCase() + " is not supported; ignored");
                yield null;
            }
        };
    }

    static HTTPRedirect parseRedirect(RedirectAction r, String path, Findings f) {
        String scheme = switch (r.getSchemeRewriteSpecifierCase()) {
            case HTTPS_REDIRECT -> r.getHttpsRedirect() ? "https" : null;
            case SCHEME_REDIRECT -> r.getSchemeRedirect();
            default -> null;
        };
        String uri = null;
        String prefix = null;
        switch (r.getPathRewriteSpecifierCase()) {
            case PATH_REDIRECT -> uri = r.getPathRedirect();
            case PREFIX_REWRITE -> prefix = r.getPrefixRewrite();
            case REGEX_REWRITE -> f.warn(Findings.join(path, "regex_rewrite"), "not supported; the path is kept");
            default -> {
            }
        }
        if (r.getStripQuery()) {
            f.warn(Findings.join(path, "strip_query"), "not supported; the query is kept");
        }
        int code = switch (r.getResponseCode()) {
            case FOUND -> 302;
            case SEE_OTHER -> 303;
            case TEMPORARY_REDIRECT -> 307;
            case PERMANENT_REDIRECT -> 308;
            default -> 301;
        };
        return new HTTPRedirect(uri, r.getHostRedirect().isEmpty() ? null : r.getHostRedirect(),
                r.getPortRedirect() == 0 ? null : r.getPortRedirect(), null, scheme, code, prefix);
    }

    static HTTPDirectResponse parseDirectResponse(DirectResponseAction d, String path, Findings f) {
        HTTPBody body = null;
        if (d.hasBody()) {
            DataSource b = d.getBody();
            switch (b.getSpecifierCase()) {
                case INLINE_STRING -> body = HTTPBody.ofString(b.getInlineString());
                case INLINE_BYTES -> body = HTTPBody.ofBase64(Base64.getEncoder().encodeToString(
                        b.getInlineBytes().toByteArray()));
                default -> f.warn(Findings.join(path, "body"), b.getSpecifierCase() + " bodies are not supported;"
                        + " the response has no body");
            }
        }
        return HTTPDirectResponse.of(d.getStatus(), body);
    }

    /** A per-route fault config: an HTTPFault, possibly wrapped in a FilterConfig. Null when disabled. */
    static HTTPFaultInjection parseFaultConfig(Any config, String path, Findings f) {
        try {
            Any any = config;
            if (any.getTypeUrl().equals(FILTER_CONFIG_TYPE)) {
                FilterConfig fc = any.unpack(FilterConfig.class);
                if (fc.getDisabled()) {
                    return null;
                }
                any = fc.getConfig();
            }
            if (!any.getTypeUrl().equals(FAULT_TYPE)) {
                f.error(path, "expected " + FAULT_TYPE + ", got " + any.getTypeUrl());
                return null;
            }
            return parseFault(any.unpack(HTTPFault.class), path, f);
        } catch (InvalidProtocolBufferException e) {
            f.error(path, "cannot decode the fault config: " + e.getMessage());
            return null;
        }
    }

    static HTTPFaultInjection parseFault(HTTPFault fault, String path, Findings f) {
        f.unsupportedFields(fault, path, FAULT_FIELDS);
        HTTPFaultInjection.Delay delay = null;
        if (fault.hasDelay()) {
            var d = fault.getDelay();
            String dp = Findings.join(path, "delay");
            if (d.hasFixedDelay()) {
                delay = HTTPFaultInjection.Delay.fixed(ProtoValues.duration(d.getFixedDelay()),
                        Percent.of(d.hasPercentage() ? ProtoValues.percent(d.getPercentage()) : 0));
            } else {
                f.warn(dp, "only fixed_delay is supported; no delay injected");
            }
        }
        HTTPFaultInjection.Abort abort = null;
        if (fault.hasAbort()) {
            var a = fault.getAbort();
            Percent pct = Percent.of(a.hasPercentage() ? ProtoValues.percent(a.getPercentage()) : 0);
            switch (a.getErrorTypeCase()) {
                case HTTP_STATUS -> abort = HTTPFaultInjection.Abort.httpStatus(a.getHttpStatus(), pct);
                case GRPC_STATUS -> abort = HTTPFaultInjection.Abort.grpcStatus(
                        io.grpc.Status.fromCodeValue(a.getGrpcStatus()).getCode().name(), pct);
                default -> f.warn(Findings.join(path, "abort"), a.getErrorTypeCase() + " aborts are not supported;"
                        + " no abort injected");
            }
        }
        if (delay == null && abort == null) {
            return null;
        }
        return new HTTPFaultInjection(delay, abort);
    }

    /**
     * {@code namespace/name} of the VirtualService istiod built the route from, read from the route's
     * {@code metadata.filter_metadata.istio.config} ({@code /apis/networking.istio.io/v1/namespaces/NS/virtual-service/NAME}).
     */
    static String istioConfig(Route route) {
        Struct istio = route.getMetadata().getFilterMetadataMap().get("istio");
        if (istio == null) {
            return null;
        }
        Value v = istio.getFieldsMap().get("config");
        if (v == null || !v.hasStringValue()) {
            return null;
        }
        String[] parts = v.getStringValue().split("/");
        // ["", "apis", group, version, "namespaces", NS, kind, NAME]
        if (parts.length == 8 && parts[4].equals("namespaces") && parts[6].equals("virtual-service")) {
            return parts[5] + "/" + parts[7];
        }
        return null;
    }
}
