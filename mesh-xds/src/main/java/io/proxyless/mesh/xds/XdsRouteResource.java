package io.proxyless.mesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.runtime.model.ClusterWeight;
import io.proxyless.mesh.runtime.model.DirectResponse;
import io.proxyless.mesh.runtime.model.FaultInjection;
import io.proxyless.mesh.runtime.model.HashPolicy;
import io.proxyless.mesh.runtime.model.HeaderMatch;
import io.proxyless.mesh.runtime.model.HeaderMutation;
import io.proxyless.mesh.runtime.model.MirrorPolicy;
import io.proxyless.mesh.runtime.model.PathMatch;
import io.proxyless.mesh.runtime.model.PathRewrite;
import io.proxyless.mesh.runtime.model.QueryParameterMatch;
import io.proxyless.mesh.runtime.model.Redirect;
import io.proxyless.mesh.runtime.model.RetryOn;
import io.proxyless.mesh.runtime.model.Route;
import io.proxyless.mesh.runtime.model.RouteMatch;
import io.proxyless.mesh.runtime.model.StringMatch;
import io.proxyless.mesh.runtime.model.VirtualHost;
import io.proxyless.mesh.runtime.model.VirtualHostDomains;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * RDS into the mesh's one route model ({@code io.proxyless.mesh.runtime.model}), as grpc-java's
 * {@code XdsRouteConfigureResource} parses it: small static functions, one per message, each returning a model
 * value or recording an error in {@link Findings}; no I/O, no state, no Istio record in between.
 *
 * <p>What the engine can carry out is carried out: every path, header and query-parameter matcher Envoy has except
 * {@code range_match}, several conditions on one header, suffix/contains/ignore-case as they are (not as
 * regexes). A route this client cannot carry out as the server meant it is an error, so the RouteConfiguration is
 * NACKed with the reason; skipping it would send its requests to a later route instead. Model values check
 * themselves (a weight sum of 0, an invalid regex); their complaints become errors at the field's path.
 */
final class XdsRouteResource {
    /** Envoy's route timeout when a sidecar-shape route sets none. */
    static final Duration ENVOY_DEFAULT_TIMEOUT = Duration.ofSeconds(15);
    /** Envoy's (and grpc-java's) bound on the sum of a route's cluster weights: the uint32 range. */
    static final long MAX_TOTAL_WEIGHT = 0xFFFF_FFFFL;
    static final String FAULT_FILTER = "envoy.filters.http.fault";
    static final String FAULT_TYPE = "type.googleapis.com/" + HTTPFault.getDescriptor().getFullName();
    private static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";
    static final String FILTER_CONFIG_TYPE = "type.googleapis.com/envoy.config.route.v3.FilterConfig";
    private static final HandledFields CONFIG_FIELDS = HandledFields.of(RouteConfiguration.getDescriptor(),
            Set.of("name", "virtual_hosts", "validate_clusters", "max_direct_response_body_size_bytes",
                    "ignore_port_in_host_matching", "internal_only_headers", "most_specific_header_mutations_wins",
                    "metadata"));
    private static final HandledFields VHOST_FIELDS = HandledFields.of(
            io.envoyproxy.envoy.config.route.v3.VirtualHost.getDescriptor(),
            Set.of("name", "domains", "routes", "retry_policy", "include_request_attempt_count",
                    "include_attempt_count_in_response", "virtual_clusters", "per_request_buffer_limit_bytes",
                    "metadata", "stat_prefix"));
    private static final HandledFields ROUTE_FIELDS = HandledFields.of(
            io.envoyproxy.envoy.config.route.v3.Route.getDescriptor(),
            Set.of("name", "match", "route", "redirect", "direct_response", "typed_per_filter_config",
                    "request_headers_to_add", "request_headers_to_remove", "response_headers_to_add",
                    "response_headers_to_remove", "metadata", "decorator", "tracing", "per_request_buffer_limit_bytes",
                    "stat_prefix", "request_body_buffer_limit"));
    private static final HandledFields MATCH_FIELDS = HandledFields.of(
            io.envoyproxy.envoy.config.route.v3.RouteMatch.getDescriptor(),
            Set.of("prefix", "path", "safe_regex", "path_separated_prefix", "case_sensitive", "headers",
                    "query_parameters", "grpc", "runtime_fraction"));
    private static final HandledFields ACTION_FIELDS = HandledFields.of(RouteAction.getDescriptor(),
            Set.of("cluster", "weighted_clusters", "timeout", "max_stream_duration", "max_grpc_timeout",
                    "retry_policy", "request_mirror_policies", "hash_policy", "prefix_rewrite", "regex_rewrite",
                    "host_rewrite_literal", "cluster_not_found_response_code", "priority", "upgrade_configs",
                    "append_x_forwarded_host"));
    private static final HandledFields RETRY_FIELDS = HandledFields.of(RetryPolicy.getDescriptor(),
            Set.of("retry_on", "num_retries", "per_try_timeout", "retry_host_predicate",
                    "host_selection_retry_max_attempts", "retriable_status_codes", "retry_back_off",
                    "retry_priority"));
    private static final HandledFields CLUSTER_WEIGHT_FIELDS = HandledFields.of(
            WeightedCluster.ClusterWeight.getDescriptor(),
            Set.of("name", "weight", "request_headers_to_add", "request_headers_to_remove", "response_headers_to_add",
                    "response_headers_to_remove"));
    private static final HandledFields WEIGHTED_FIELDS = HandledFields.of(WeightedCluster.getDescriptor(),
            Set.of("clusters", "total_weight", "runtime_key_prefix"));
    private static final HandledFields MIRROR_FIELDS = HandledFields.of(
            RouteAction.RequestMirrorPolicy.getDescriptor(),
            Set.of("cluster", "runtime_fraction", "trace_sampled", "disable_shadow_host_suffix_append"));
    private static final HandledFields FAULT_FIELDS = HandledFields.of(HTTPFault.getDescriptor(),
            Set.of("delay", "abort"));
    private static final UnhandledFieldScan RETRY_SCAN = UnhandledFieldScan.of(RETRY_FIELDS);
    /**
     * A virtual host's bytes scanned for what its parse checks: every message it asks {@code unsupportedFields}
     * about; a route's per-filter configs (the fault filter's is checked when unpacked) count as unclean.
     */
    static final UnhandledFieldScan VHOST_SCAN = UnhandledFieldScan.of(VHOST_FIELDS)
            .nest(io.envoyproxy.envoy.config.route.v3.VirtualHost.RETRY_POLICY_FIELD_NUMBER, RETRY_SCAN)
            .nest(io.envoyproxy.envoy.config.route.v3.VirtualHost.ROUTES_FIELD_NUMBER, UnhandledFieldScan.of(ROUTE_FIELDS)
                    .stopAt(io.envoyproxy.envoy.config.route.v3.Route.TYPED_PER_FILTER_CONFIG_FIELD_NUMBER)
                    .nest(io.envoyproxy.envoy.config.route.v3.Route.MATCH_FIELD_NUMBER,
                            UnhandledFieldScan.of(MATCH_FIELDS))
                    .nest(io.envoyproxy.envoy.config.route.v3.Route.ROUTE_FIELD_NUMBER,
                            UnhandledFieldScan.of(ACTION_FIELDS)
                                    .nest(RouteAction.RETRY_POLICY_FIELD_NUMBER, RETRY_SCAN)
                                    .nest(RouteAction.REQUEST_MIRROR_POLICIES_FIELD_NUMBER,
                                            UnhandledFieldScan.of(MIRROR_FIELDS))
                                    .nest(RouteAction.WEIGHTED_CLUSTERS_FIELD_NUMBER,
                                            UnhandledFieldScan.of(WEIGHTED_FIELDS).nest(
                                                    WeightedCluster.CLUSTERS_FIELD_NUMBER,
                                                    UnhandledFieldScan.of(CLUSTER_WEIGHT_FIELDS)))));

    private XdsRouteResource() {
    }

    /**
     * Parses a RouteConfiguration served on listener {@code port}: the model value, or the error that NACKs it.
     */
    static Parsed<io.proxyless.mesh.runtime.model.RouteConfiguration> parse(RouteConfiguration rc, int port,
                                                                         ParseContext ctx) {
        RetryPolicies retries = new RetryPolicies();
        return parse(rc, port, vh -> parseVirtualHost(vh, ctx, retries, false));
    }

    /**
     * Like {@link #parse(RouteConfiguration, int, ParseContext)}, each virtual host translated by
     * {@code virtualHosts}, which may hand back what an equal message was translated into before (a virtual host's
     * translation depends on the message and the context alone).
     */
    static Parsed<io.proxyless.mesh.runtime.model.RouteConfiguration> parse(
            RouteConfiguration rc, int port,
            Function<io.envoyproxy.envoy.config.route.v3.VirtualHost, ParsedVirtualHost> virtualHosts) {
        return parse(rc, port, virtualHosts, null);
    }

    /**
     * Like {@link #parse(RouteConfiguration, int, Function)}, the virtual hosts' domains checked by
     * {@code domains}, the index of the version parsed before (only where virtual hosts changed), when not null.
     */
    static Parsed<io.proxyless.mesh.runtime.model.RouteConfiguration> parse(
            RouteConfiguration rc, int port,
            Function<io.envoyproxy.envoy.config.route.v3.VirtualHost, ParsedVirtualHost> virtualHosts,
            VirtualHostDomains domains) {
        Findings f = new Findings();
        f.unsupportedFields(rc, "", CONFIG_FIELDS);
        List<VirtualHost> hosts = new ArrayList<>(rc.getVirtualHostsCount());
        for (int v = 0; v < rc.getVirtualHostsCount(); v++) {
            ParsedVirtualHost vh = virtualHosts.apply(rc.getVirtualHosts(v));
            if (!vh.errors().isEmpty() || !vh.warnings().isEmpty()) {
                f.addAll("virtual_hosts[" + v + "]", vh.errors(), vh.warnings());
            }
            if (vh.value() != null) {
                hosts.add(vh.value());
            }
        }
        io.proxyless.mesh.runtime.model.RouteConfiguration value = null;
        if (!f.hasErrors()) {
            try {
                value = domains != null ? domains.configuration(rc.getName(), port, hosts)
                        : io.proxyless.mesh.runtime.model.RouteConfiguration.of(rc.getName(), port, hosts);
            } catch (IllegalArgumentException e) {
                f.error("virtual_hosts", e.getMessage());
            }
        }
        return Parsed.of(value, f);
    }

    /**
     * One virtual host's translation with what it found, paths relative to the virtual host; value is null when the
     * virtual host itself is invalid (any error rejects the route configuration).
     */
    record ParsedVirtualHost(VirtualHost value, List<Findings.Finding> errors, List<Findings.Finding> warnings) {
        ParsedVirtualHost {
            errors = List.copyOf(errors);
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * The retry policies translated so far in one parse, by message, taken again for an equal one: istiod gives the
     * routes of a port the same few policies (10,000 services, 20,000 routes, two policies), and each translation
     * makes a condition set, a code set and the policy. Only a translation that found nothing is taken again: a
     * finding's path is the route's own.
     */
    static final class RetryPolicies {
        private final Map<RetryPolicy, io.proxyless.mesh.runtime.model.RetryPolicy> clean = new HashMap<>();

        io.proxyless.mesh.runtime.model.RetryPolicy translate(RetryPolicy p, String path, Findings f) {
            io.proxyless.mesh.runtime.model.RetryPolicy known = clean.get(p);
            if (known != null) {
                return known;
            }
            int found = f.count();
            io.proxyless.mesh.runtime.model.RetryPolicy value = parseRetryPolicy(p, path, f);
            if (f.count() == found) {
                clean.put(p, value);
            }
            return value;
        }
    }

    static ParsedVirtualHost parseVirtualHost(io.envoyproxy.envoy.config.route.v3.VirtualHost vh, ParseContext ctx) {
        return parseVirtualHost(vh, ctx, new RetryPolicies(), false);
    }

    /**
     * Like {@link #parseVirtualHost(io.envoyproxy.envoy.config.route.v3.VirtualHost, ParseContext)}, in a parse;
     * {@code scannedClean} when {@link #VHOST_SCAN} found the bytes {@code vh} was decoded from clean.
     */
    static ParsedVirtualHost parseVirtualHost(io.envoyproxy.envoy.config.route.v3.VirtualHost vh, ParseContext ctx,
                                              RetryPolicies retries, boolean scannedClean) {
        Findings f = new Findings(scannedClean);
        VirtualHost value = parseVirtualHost(vh, "", ctx, f, retries);
        return new ParsedVirtualHost(value, f.errors(), f.warnings());
    }

    static VirtualHost parseVirtualHost(io.envoyproxy.envoy.config.route.v3.VirtualHost vh, String path,
                                        ParseContext ctx, Findings f, RetryPolicies retries) {
        f.unsupportedFields(vh, path, VHOST_FIELDS);
        // The model's domains carry no port: the virtual host is already the listener port's.
        Set<HostName> domains = new LinkedHashSet<>();
        for (String d : vh.getDomainsList()) {
            String lower = d.toLowerCase(Locale.ROOT);
            int colon = lower.lastIndexOf(':');
            if (colon > 0 && lower.indexOf(']') < colon && !lower.startsWith("[")) {
                lower = lower.substring(0, colon);
            }
            try {
                domains.add(HostName.of(lower));
            } catch (IllegalArgumentException e) {
                f.error(Findings.join(path, "domains"), "domain \"" + d + "\" names no host");
                return null;
            }
        }
        if (domains.isEmpty()) {
            f.error(Findings.join(path, "domains"), "a virtual host needs at least one domain");
            return null;
        }
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < vh.getRoutesCount(); i++) {
            Route r = parseRoute(vh.getRoutes(i), vh.hasRetryPolicy() ? vh.getRetryPolicy() : null,
                    Findings.join(path, "routes[" + i + "]"), ctx, f, retries);
            if (r != null) {
                routes.add(r);
            }
        }
        try {
            // The VirtualService the virtual host's routes all came from, as file-mode virtual hosts name it.
            Set<String> origins = new LinkedHashSet<>();
            routes.forEach(r -> origins.add(String.valueOf(r.origin())));
            String origin = origins.size() == 1 && !origins.contains("null") ? origins.iterator().next() : null;
            return VirtualHost.of(vh.getName(), List.copyOf(domains), routes, origin);
        } catch (IllegalArgumentException e) {
            f.error(path, e.getMessage());
            return null;
        }
    }

    /** One route, or null with an error when this client cannot carry it out. */
    static Route parseRoute(io.envoyproxy.envoy.config.route.v3.Route route, RetryPolicy virtualHostRetry,
                            String path, ParseContext ctx, Findings f, RetryPolicies retries) {
        f.unsupportedFields(route, path, ROUTE_FIELDS);
        try {
            RouteMatch match = parseMatch(route.getMatch(), Findings.join(path, "match"), f);
            if (match == null) {
                return null;
            }
            String name = route.getName().isEmpty() ? null : route.getName();
            Route out = switch (route.getActionCase()) {
                case ROUTE -> {
                    io.proxyless.mesh.runtime.model.RouteAction action = parseRouteAction(route.getRoute(),
                            virtualHostRetry, Findings.join(path, "route"), ctx, f, retries);
                    yield action == null ? null : Route.forward(name, match, action);
                }
                case REDIRECT -> Route.redirect(name, match, parseRedirect(route.getRedirect()));
                case DIRECT_RESPONSE -> Route.directResponse(name, match, parseDirectResponse(
                        route.getDirectResponse(), Findings.join(path, "direct_response"), f));
                default -> {
                    f.error(path, "route action " + route.getActionCase() + " cannot be carried out by this client");
                    yield null;
                }
            };
            if (out == null) {
                return null;
            }
            out = out.withHeaders(headerMutation(route.getRequestHeadersToAddList(),
                            route.getRequestHeadersToRemoveList()),
                    headerMutation(route.getResponseHeadersToAddList(), route.getResponseHeadersToRemoveList()));
            boolean faultConfigured = false;
            for (Map.Entry<String, Any> e : route.getTypedPerFilterConfigMap().entrySet()) {
                if (e.getKey().equals(FAULT_FILTER) || e.getValue().getTypeUrl().equals(FAULT_TYPE)) {
                    FaultInjection fault = parseFault(e.getValue(),
                            Findings.join(path, "typed_per_filter_config." + e.getKey()), f);
                    faultConfigured = true;
                    // Envoy and gRPC apply a per-route fault config only when the fault filter is in the chain.
                    if (fault != null && ctx.filters().fault()) {
                        out = out.withFault(fault);
                    }
                } else {
                    f.warn(Findings.join(path, "typed_per_filter_config." + e.getKey()), "per-route config of this"
                            + " filter is not supported; ignored");
                }
            }
            if (!faultConfigured && ctx.filters().fault() && ctx.filters().defaultFault() != null) {
                out = out.withFault(ctx.filters().defaultFault());
            }
            String origin = origin(route);
            return origin == null ? out : out.withOrigin(origin);
        } catch (IllegalArgumentException e) {
            // A model value refused what the server sent (e.g. an invalid regex): the reason is the value's own.
            f.error(path, e.getMessage());
            return null;
        }
    }

    /** A route's match, or null with an error when it has a condition this client cannot evaluate. */
    static RouteMatch parseMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch m, String path, Findings f) {
        String unevaluable = unevaluableCondition(m);
        if (unevaluable != null) {
            f.error(Findings.join(path, unevaluable), "cannot be evaluated by this client");
            return null;
        }
        f.unsupportedFields(m, path, MATCH_FIELDS);
        boolean caseSensitive = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
        PathMatch pathMatch = switch (m.getPathSpecifierCase()) {
            case PREFIX -> PathMatch.prefix(m.getPrefix(), caseSensitive);
            case PATH -> PathMatch.exact(m.getPath(), caseSensitive);
            case SAFE_REGEX -> validRegex(m.getSafeRegex().getRegex(), Findings.join(path, "safe_regex"), f)
                    ? PathMatch.regex((caseSensitive ? "" : "(?i)") + m.getSafeRegex().getRegex()) : null;
            // "/foo" takes /foo and /foo/..., not /foobar.
            case PATH_SEPARATED_PREFIX -> PathMatch.regex((caseSensitive ? "" : "(?i)")
                    + ProtoValues.quote(m.getPathSeparatedPrefix()) + "(/.*)?");
            default -> null;
        };
        if (pathMatch == null) {
            if (m.getPathSpecifierCase() != io.envoyproxy.envoy.config.route.v3.RouteMatch.PathSpecifierCase.SAFE_REGEX) {
                f.error(path, "path matcher " + m.getPathSpecifierCase() + " cannot be evaluated by this client");
            }
            return null;
        }
        if (m.hasRuntimeFraction() && ProtoValues.percent(m.getRuntimeFraction().getDefaultValue()) < 100) {
            f.warn(Findings.join(path, "runtime_fraction"), "matching a fraction of requests is not supported;"
                    + " the route takes every request its other conditions match");
        }
        List<HeaderMatch> headers = new ArrayList<>();
        for (int i = 0; i < m.getHeadersCount(); i++) {
            HeaderMatch h = parseHeaderMatcher(m.getHeaders(i), Findings.join(path, "headers[" + i + "]"), f);
            if (h == null) {
                return null;
            }
            headers.add(h);
        }
        if (m.hasGrpc()) {
            headers.add(HeaderMatch.of("content-type", StringMatch.prefix("application/grpc")));
        }
        List<QueryParameterMatch> query = new ArrayList<>();
        for (int i = 0; i < m.getQueryParametersCount(); i++) {
            QueryParameterMatcher q = m.getQueryParameters(i);
            String qp = Findings.join(path, "query_parameters[" + i + "]");
            if (q.hasStringMatch()) {
                StringMatch sm = stringMatch(q.getStringMatch(), Findings.join(qp, "string_match"), f);
                if (sm == null) {
                    return null;
                }
                query.add(QueryParameterMatch.of(q.getName(), sm));
            } else if (q.getPresentMatch() || q.getQueryParameterMatchSpecifierCase()
                    == QueryParameterMatcher.QueryParameterMatchSpecifierCase.QUERYPARAMETERMATCHSPECIFIER_NOT_SET) {
                query.add(QueryParameterMatch.present(q.getName()));
            } else {
                f.error(qp, "present_match: false cannot be evaluated by this client");
                return null;
            }
        }
        return RouteMatch.of(pathMatch, headers, query);
    }

    /**
     * The first condition of {@code m} (in this order: {@code tls_context}, {@code dynamic_metadata},
     * {@code filter_state}, {@code connect_matcher}) that a client cannot evaluate, or null. Asked through the
     * generated accessors: reading every set field by reflection for it, per route, was a tenth of a large mesh's
     * xDS parsing.
     */
    private static String unevaluableCondition(io.envoyproxy.envoy.config.route.v3.RouteMatch m) {
        if (m.hasTlsContext()) {
            return "tls_context";
        }
        if (m.getDynamicMetadataCount() > 0) {
            return "dynamic_metadata";
        }
        if (m.getFilterStateCount() > 0) {
            return "filter_state";
        }
        return m.hasConnectMatcher() ? "connect_matcher" : null;
    }

    /**
     * Whether {@code regex} is valid RE2, as Envoy compiles {@code safe_regex}; an invalid one is an error at
     * {@code path}, which NACKs the resource.
     */
    static boolean validRegex(String regex, String path, Findings f) {
        try {
            com.google.re2j.Pattern.compile(regex);
            return true;
        } catch (com.google.re2j.PatternSyntaxException e) {
            f.error(path, "invalid regex \"" + regex + "\": " + e.getDescription());
            return false;
        }
    }

    /** One header condition, or null with an error. */
    static HeaderMatch parseHeaderMatcher(HeaderMatcher h, String path, Findings f) {
        if (h.getTreatMissingHeaderAsEmpty()) {
            f.warn(Findings.join(path, "treat_missing_header_as_empty"), "not supported; a missing header never"
                    + " matches a value");
        }
        String name = h.getName();
        HeaderMatch match = switch (h.getHeaderMatchSpecifierCase()) {
            case EXACT_MATCH -> HeaderMatch.of(name, StringMatch.exact(h.getExactMatch()));
            case PREFIX_MATCH -> HeaderMatch.of(name, StringMatch.prefix(h.getPrefixMatch()));
            case SUFFIX_MATCH -> HeaderMatch.of(name, StringMatch.suffix(h.getSuffixMatch()));
            case CONTAINS_MATCH -> HeaderMatch.of(name, StringMatch.contains(h.getContainsMatch()));
            case SAFE_REGEX_MATCH -> validRegex(h.getSafeRegexMatch().getRegex(), Findings.join(path, "safe_regex_match"), f)
                    ? HeaderMatch.of(name, StringMatch.regex(h.getSafeRegexMatch().getRegex())) : null;
            case STRING_MATCH -> {
                StringMatch sm = stringMatch(h.getStringMatch(), Findings.join(path, "string_match"), f);
                yield sm == null ? null : HeaderMatch.of(name, sm);
            }
            // present_match: false is "absent": an inverted presence.
            case PRESENT_MATCH -> h.getPresentMatch() ? HeaderMatch.present(name)
                    : HeaderMatch.present(name).inverted();
            case HEADERMATCHSPECIFIER_NOT_SET -> HeaderMatch.present(name);
            default -> {
                f.error(path, "header matcher " + h.getHeaderMatchSpecifierCase()
                        + " cannot be evaluated by this client");
                yield null;
            }
        };
        return match != null && h.getInvertMatch() ? match.inverted() : match;
    }

    /** An Envoy StringMatcher as the model's, or null with an error. */
    static StringMatch stringMatch(StringMatcher m, String path, Findings f) {
        StringMatch sm = switch (m.getMatchPatternCase()) {
            case EXACT -> StringMatch.exact(m.getExact());
            case PREFIX -> StringMatch.prefix(m.getPrefix());
            case SUFFIX -> StringMatch.suffix(m.getSuffix());
            case CONTAINS -> StringMatch.contains(m.getContains());
            case SAFE_REGEX -> validRegex(m.getSafeRegex().getRegex(), Findings.join(path, "safe_regex"), f)
                    ? StringMatch.regex((m.getIgnoreCase() ? "(?i)" : "") + m.getSafeRegex().getRegex()) : null;
            default -> null;
        };
        if (sm == null) {
            if (m.getMatchPatternCase() != StringMatcher.MatchPatternCase.SAFE_REGEX) {
                f.error(path, "string matcher " + m.getMatchPatternCase() + " cannot be evaluated by this client");
            }
            return null;
        }
        return m.getIgnoreCase() && sm.kind() != StringMatch.Kind.REGEX ? sm.ignoringCase() : sm;
    }

    /** A forwarding action, or null with an error. */
    static io.proxyless.mesh.runtime.model.RouteAction parseRouteAction(RouteAction a, RetryPolicy virtualHostRetry,
                                                                       String path, ParseContext ctx, Findings f,
                                                                       RetryPolicies retries) {
        f.unsupportedFields(a, path, ACTION_FIELDS);
        List<ClusterWeight> clusters = parseClusters(a, path, f);
        if (clusters == null) {
            return null;
        }
        io.proxyless.mesh.runtime.model.RouteAction action =
                io.proxyless.mesh.runtime.model.RouteAction.forWeightedClusters(clusters);
        action = action.withTimeout(parseTimeout(a, ctx));
        RetryPolicy retry = a.hasRetryPolicy() ? a.getRetryPolicy() : virtualHostRetry;
        if (retry != null) {
            action = action.withRetryPolicy(retries.translate(retry, Findings.join(path, "retry_policy"), f));
        }
        List<HashPolicy> hashes = new ArrayList<>();
        for (int i = 0; i < a.getHashPolicyCount(); i++) {
            HashPolicy h = parseHashPolicy(a.getHashPolicy(i), Findings.join(path, "hash_policy[" + i + "]"), f);
            if (h != null) {
                hashes.add(h);
            }
        }
        List<MirrorPolicy> mirrors = new ArrayList<>();
        for (int i = 0; i < a.getRequestMirrorPoliciesCount(); i++) {
            RouteAction.RequestMirrorPolicy m = a.getRequestMirrorPolicies(i);
            f.unsupportedFields(m, Findings.join(path, "request_mirror_policies[" + i + "]"), MIRROR_FIELDS);
            if (m.getCluster().isEmpty()) {
                // A shadow copy is best effort: leaving one out changes nothing for the request itself.
                f.warn(Findings.join(path, "request_mirror_policies[" + i + "]"), "a mirror without a cluster"
                        + " name (cluster_header) is not supported; left out");
                continue;
            }
            mirrors.add(MirrorPolicy.of(m.getCluster(), m.hasRuntimeFraction()
                    ? ProtoValues.percent(m.getRuntimeFraction().getDefaultValue()) : 100));
        }
        PathRewrite rewrite = null;
        if (!a.getPrefixRewrite().isEmpty()) {
            rewrite = PathRewrite.prefix(a.getPrefixRewrite());
        } else if (a.hasRegexRewrite()) {
            if (!validRegex(a.getRegexRewrite().getPattern().getRegex(),
                    Findings.join(path, "regex_rewrite.pattern"), f)) {
                return null;
            }
            rewrite = PathRewrite.regex(a.getRegexRewrite().getPattern().getRegex(),
                    a.getRegexRewrite().getSubstitution());
        }
        String hostRewrite = a.getHostRewriteLiteral().isEmpty() ? null : a.getHostRewriteLiteral();
        return action.withHashPolicies(hashes).withMirrors(mirrors).withRewrite(rewrite, hostRewrite);
    }

    /** The destinations of {@code cluster} or {@code weighted_clusters}, or null with an error. */
    static List<ClusterWeight> parseClusters(RouteAction a, String path, Findings f) {
        switch (a.getClusterSpecifierCase()) {
            case CLUSTER -> {
                return List.of(ClusterWeight.of(a.getCluster(), 1));
            }
            case WEIGHTED_CLUSTERS -> {
                WeightedCluster wc = a.getWeightedClusters();
                String wp = Findings.join(path, "weighted_clusters");
                f.unsupportedFields(wc, wp, WEIGHTED_FIELDS);
                long total = 0;
                List<ClusterWeight> out = new ArrayList<>();
                for (int i = 0; i < wc.getClustersCount(); i++) {
                    WeightedCluster.ClusterWeight cw = wc.getClusters(i);
                    f.unsupportedFields(cw, Findings.join(wp, "clusters[" + i + "]"), CLUSTER_WEIGHT_FIELDS);
                    if (cw.getName().isEmpty()) {
                        // Leaving it out would hand its share of the traffic to the others.
                        f.error(Findings.join(wp, "clusters[" + i + "]"), "a weighted cluster without a name"
                                + " (cluster_header) cannot be carried out by this client");
                        return null;
                    }
                    long weight = cw.hasWeight() ? Integer.toUnsignedLong(cw.getWeight().getValue()) : 0;
                    total += weight;
                    out.add(ClusterWeight.of(cw.getName(), (int) Math.min(weight, Integer.MAX_VALUE))
                            .withHeaders(headerMutation(cw.getRequestHeadersToAddList(),
                                            cw.getRequestHeadersToRemoveList()),
                                    headerMutation(cw.getResponseHeadersToAddList(),
                                            cw.getResponseHeadersToRemoveList())));
                }
                // Envoy and grpc-java reject both rather than fail every call on the route.
                if (total == 0) {
                    f.error(Findings.join(wp, "clusters"), "the sum of the cluster weights is 0");
                    return null;
                }
                if (total > MAX_TOTAL_WEIGHT) {
                    f.error(Findings.join(wp, "clusters"), "the sum of the cluster weights, " + total
                            + ", exceeds " + MAX_TOTAL_WEIGHT);
                    return null;
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
     * The route timeout, or null for none. Envoy (sidecar shape) enforces both {@code timeout} (15 s when unset)
     * and {@code max_stream_duration}, so the shorter non-zero one wins; gRPC (proxyless shape) reads
     * {@code max_stream_duration} first, and has no timeout when neither is set.
     */
    static Duration parseTimeout(RouteAction a, ParseContext ctx) {
        Duration routeTimeout = a.hasTimeout() ? ProtoValues.duration(a.getTimeout()) : null;
        Duration streamDuration = a.hasMaxStreamDuration() && a.getMaxStreamDuration().hasMaxStreamDuration()
                ? ProtoValues.duration(a.getMaxStreamDuration().getMaxStreamDuration()) : null;
        if (ctx.proxyless()) {
            Duration d = streamDuration != null ? streamDuration : routeTimeout;
            if (d == null) {
                d = ctx.filters().maxStreamDuration();
            }
            return d == null || d.isZero() ? null : d;
        }
        Duration best = null;
        for (Duration d : new Duration[] {routeTimeout == null ? ENVOY_DEFAULT_TIMEOUT : routeTimeout,
                streamDuration}) {
            if (d != null && !d.isZero() && (best == null || d.compareTo(best) < 0)) {
                best = d;
            }
        }
        return best;
    }

    /** Envoy's retry policy, as the model holds it (no translation into Istio's {@code retries}). */
    static io.proxyless.mesh.runtime.model.RetryPolicy parseRetryPolicy(RetryPolicy p, String path, Findings f) {
        f.unsupportedFields(p, path, RETRY_FIELDS);
        if (p.hasRetryPriority()) {
            f.warn(Findings.join(path, "retry_priority"), p.getRetryPriority().getName() + " is not supported;"
                    + " retries avoid previously tried hosts, not priorities");
        }
        // Envoy retries once when num_retries is unset.
        int retries = p.hasNumRetries() ? ProtoValues.clampToInt(p.getNumRetries().getValue()) : 1;
        Set<RetryOn> retryOn = EnumSet.noneOf(RetryOn.class);
        for (String t : p.getRetryOn().split(",")) {
            if (t.isBlank()) {
                continue;
            }
            RetryOn condition = RetryOn.fromToken(t.trim());
            if (condition == null) {
                // Envoy ignores a retry_on token it does not know; so does the client, but says so.
                f.warn(Findings.join(path, "retry_on"), t.trim() + " is not a retry condition; ignored");
            } else {
                retryOn.add(condition);
            }
        }
        Set<Integer> codes = new TreeSet<>(p.getRetriableStatusCodesList());
        boolean previousHosts = false;
        for (int i = 0; i < p.getRetryHostPredicateCount(); i++) {
            if (p.getRetryHostPredicate(i).getName().equals(PREVIOUS_HOSTS)) {
                previousHosts = true;
            } else {
                f.warn(Findings.join(path, "retry_host_predicate[" + i + "]"),
                        p.getRetryHostPredicate(i).getName() + " is not supported; ignored");
            }
        }
        Duration perTry = p.hasPerTryTimeout() ? ProtoValues.duration(p.getPerTryTimeout()) : null;
        Duration base = p.hasRetryBackOff() && p.getRetryBackOff().hasBaseInterval()
                ? ProtoValues.duration(p.getRetryBackOff().getBaseInterval()) : null;
        Duration max = p.hasRetryBackOff() && p.getRetryBackOff().hasMaxInterval()
                ? ProtoValues.duration(p.getRetryBackOff().getMaxInterval()) : null;
        return new io.proxyless.mesh.runtime.model.RetryPolicy(retries, retryOn, codes,
                perTry == null || perTry.isZero() ? null : perTry, base, max, previousHosts);
    }

    /** One hash policy, or null (with a warning) for one the balancers cannot hash on. */
    static HashPolicy parseHashPolicy(RouteAction.HashPolicy h, String path, Findings f) {
        HashPolicy out = switch (h.getPolicySpecifierCase()) {
            case HEADER -> HashPolicy.header(h.getHeader().getHeaderName());
            case COOKIE -> HashPolicy.cookie(h.getCookie().getName(),
                    h.getCookie().getPath().isEmpty() ? null : h.getCookie().getPath(),
                    h.getCookie().hasTtl() ? ProtoValues.duration(h.getCookie().getTtl()) : null);
            case QUERY_PARAMETER -> HashPolicy.queryParameter(h.getQueryParameter().getName());
            case CONNECTION_PROPERTIES -> h.getConnectionProperties().getSourceIp() ? HashPolicy.sourceIp() : null;
            default -> null;
        };
        if (out == null) {
            f.warn(path, "hash policy " + h.getPolicySpecifierCase() + " is not supported; ignored");
            return null;
        }
        return h.getTerminal() ? new HashPolicy(out.kind(), out.name(), out.cookiePath(), out.cookieTtl(), true) : out;
    }

    /**
     * {@code VirtualService NS/NAME} when istiod built the route from a VirtualService (it says so in the route's
     * {@code metadata.filter_metadata.istio.config}, {@code /apis/networking.istio.io/v1/namespaces/NS/virtual-service/NAME}),
     * else null.
     */
    static String origin(io.envoyproxy.envoy.config.route.v3.Route route) {
        if (!route.hasMetadata()) {
            return null; // and no empty map view made to say so
        }
        Struct istio = route.getMetadata().getFilterMetadataMap().get("istio");
        Value v = istio == null ? null : istio.getFieldsMap().get("config");
        if (v == null || !v.hasStringValue()) {
            return null;
        }
        String[] parts = v.getStringValue().split("/");
        // ["", "apis", group, version, "namespaces", NS, kind, NAME]
        if (parts.length == 8 && parts[4].equals("namespaces") && parts[6].equals("virtual-service")) {
            return "VirtualService " + parts[5] + "/" + parts[7];
        }
        return null;
    }

    static Redirect parseRedirect(RedirectAction r) {
        int code = switch (r.getResponseCode()) {
            case FOUND -> 302;
            case SEE_OTHER -> 303;
            case TEMPORARY_REDIRECT -> 307;
            case PERMANENT_REDIRECT -> 308;
            default -> 301;
        };
        String scheme = r.getHttpsRedirect() ? "https" : r.getSchemeRedirect().isEmpty() ? null : r.getSchemeRedirect();
        return Redirect.of(scheme, r.getHostRedirect().isEmpty() ? null : r.getHostRedirect(),
                r.getPortRedirect() == 0 ? null : r.getPortRedirect(), false,
                r.getPathRedirect().isEmpty() ? null : r.getPathRedirect(),
                r.getPrefixRewrite().isEmpty() ? null : r.getPrefixRewrite(), code);
    }

    static DirectResponse parseDirectResponse(io.envoyproxy.envoy.config.route.v3.DirectResponseAction d,
                                              String path, Findings f) {
        if (!d.hasBody()) {
            return DirectResponse.of(d.getStatus(), (byte[]) null);
        }
        return switch (d.getBody().getSpecifierCase()) {
            case INLINE_STRING -> DirectResponse.of(d.getStatus(), d.getBody().getInlineString());
            case INLINE_BYTES -> DirectResponse.of(d.getStatus(), d.getBody().getInlineBytes().toByteArray());
            default -> {
                // A file or environment variable on the control plane's side means nothing to this client.
                f.error(Findings.join(path, "body"), d.getBody().getSpecifierCase()
                        + " cannot be read by this client");
                yield DirectResponse.of(d.getStatus(), (byte[]) null);
            }
        };
    }

    /** Envoy's per-route fault filter config, or null (with an error) when it cannot be read. */
    static FaultInjection parseFault(Any config, String path, Findings f) {
        HTTPFault fault;
        try {
            // A route may wrap the filter's config in a FilterConfig (to mark it optional).
            Any inner = config.getTypeUrl().equals(FILTER_CONFIG_TYPE)
                    ? config.unpack(io.envoyproxy.envoy.config.route.v3.FilterConfig.class).getConfig() : config;
            fault = inner.unpack(HTTPFault.class);
        } catch (InvalidProtocolBufferException e) {
            f.error(path, "not an HTTPFault: " + e.getMessage());
            return null;
        }
        f.unsupportedFields(fault, path, FAULT_FIELDS);
        Duration delay = fault.hasDelay() && fault.getDelay().hasFixedDelay()
                ? ProtoValues.duration(fault.getDelay().getFixedDelay()) : null;
        double delayPct = fault.hasDelay() ? ProtoValues.percent(fault.getDelay().getPercentage()) : 0;
        Integer http = fault.hasAbort() && fault.getAbort().getHttpStatus() != 0
                ? fault.getAbort().getHttpStatus() : null;
        Integer grpc = fault.hasAbort() && fault.getAbort().hasGrpcStatus() ? fault.getAbort().getGrpcStatus() : null;
        double abortPct = fault.hasAbort() ? ProtoValues.percent(fault.getAbort().getPercentage()) : 0;
        if (delay == null && http == null && grpc == null) {
            return null; // the filter configured to do nothing on this route
        }
        return new FaultInjection(delay, delayPct, http, grpc, abortPct);
    }

    /**
     * Envoy header additions and removals. {@code OVERWRITE_IF_EXISTS_OR_ADD} (and the deprecated
     * {@code append: false}) sets; {@code APPEND_IF_EXISTS_OR_ADD}, Envoy's default, appends.
     */
    static HeaderMutation headerMutation(List<HeaderValueOption> add, List<String> remove) {
        if (add.isEmpty() && remove.isEmpty()) {
            return HeaderMutation.NONE;
        }
        List<HeaderMutation.Header> set = new ArrayList<>();
        List<HeaderMutation.Header> append = new ArrayList<>();
        for (HeaderValueOption o : add) {
            String key = o.getHeader().getKey().toLowerCase(Locale.ROOT);
            String value = o.getHeader().getRawValue().isEmpty() ? o.getHeader().getValue()
                    : o.getHeader().getRawValue().toStringUtf8();
            boolean overwrite = o.hasAppend() ? !o.getAppend().getValue()
                    : o.getAppendAction() != HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD;
            (overwrite ? set : append).add(new HeaderMutation.Header(key, value));
        }
        return HeaderMutation.of(remove.stream().map(r -> r.toLowerCase(Locale.ROOT)).toList(), set, append);
    }
}
