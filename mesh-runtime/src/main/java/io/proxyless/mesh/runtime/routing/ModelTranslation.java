package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.HTTPBody;
import io.proxyless.mesh.api.HTTPDirectResponse;
import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HTTPRedirect;
import io.proxyless.mesh.api.HTTPRewrite;
import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.StringMatch;
import io.proxyless.mesh.runtime.balancing.LocalityPriorities;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.health.OutlierDetector;
import io.proxyless.mesh.runtime.model.CircuitBreakers;
import io.proxyless.mesh.runtime.model.DirectResponse;
import io.proxyless.mesh.runtime.model.ClusterKey;
import io.proxyless.mesh.runtime.model.ConnectionSettings;
import io.proxyless.mesh.runtime.model.FaultInjection;
import io.proxyless.mesh.runtime.model.HashPolicy;
import io.proxyless.mesh.runtime.model.HeaderMatch;
import io.proxyless.mesh.runtime.model.HeaderMutation;
import io.proxyless.mesh.runtime.model.LbEndpoint;
import io.proxyless.mesh.runtime.model.LbPolicy;
import io.proxyless.mesh.runtime.model.OutlierDetection;
import io.proxyless.mesh.runtime.model.PathMatch;
import io.proxyless.mesh.runtime.model.PathRewrite;
import io.proxyless.mesh.runtime.model.QueryParameterMatch;
import io.proxyless.mesh.runtime.model.Redirect;
import io.proxyless.mesh.runtime.model.RouteMatch;
import io.proxyless.mesh.runtime.model.TransportSocketMatch;
import io.proxyless.mesh.runtime.model.UpstreamTls;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.tls.ClientTlsPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Small static functions from Istio's records (and the compiler's resolved policies) to the route model's values,
 * the way istiod writes Envoy config: each returns a value or throws {@link IllegalArgumentException} for what
 * the model cannot hold. No state, no I/O.
 */
final class ModelTranslation {

    /** gRPC status code numbers by name (Istio's {@code fault.abort.grpcStatus} names them; Envoy takes numbers). */
    private static final Map<String, Integer> GRPC_CODES = Map.ofEntries(Map.entry("OK", 0),
            Map.entry("CANCELLED", 1), Map.entry("UNKNOWN", 2), Map.entry("INVALID_ARGUMENT", 3),
            Map.entry("DEADLINE_EXCEEDED", 4), Map.entry("NOT_FOUND", 5), Map.entry("ALREADY_EXISTS", 6),
            Map.entry("PERMISSION_DENIED", 7), Map.entry("RESOURCE_EXHAUSTED", 8),
            Map.entry("FAILED_PRECONDITION", 9), Map.entry("ABORTED", 10), Map.entry("OUT_OF_RANGE", 11),
            Map.entry("UNIMPLEMENTED", 12), Map.entry("INTERNAL", 13), Map.entry("UNAVAILABLE", 14),
            Map.entry("DATA_LOSS", 15), Map.entry("UNAUTHENTICATED", 16));

    private ModelTranslation() {
    }

    /** The name of gRPC status code {@code code} ({@code UNAVAILABLE} for 14), or the number when it has none. */
    static String grpcCodeName(int code) {
        for (Map.Entry<String, Integer> e : GRPC_CODES.entrySet()) {
            if (e.getValue() == code) {
                return e.getKey();
            }
        }
        return String.valueOf(code);
    }

    /**
     * One Istio match block as Envoy's {@code RouteMatch}: no {@code uri} is {@code prefix: /}; {@code authority},
     * {@code method} and {@code scheme} are pseudo-header conditions; {@code withoutHeaders} inverted ones.
     * A null block (a route without {@code match}) matches everything.
     */
    static RouteMatch match(HTTPMatchRequest m) {
        if (m == null) {
            return RouteMatch.prefix("/");
        }
        boolean caseSensitive = !Boolean.TRUE.equals(m.ignoreUriCase());
        PathMatch path;
        StringMatch uri = m.uri();
        if (uri == null || uri.isEmpty()) {
            path = PathMatch.prefix("/", true);
        } else if (uri.exact() != null) {
            path = PathMatch.exact(uri.exact(), caseSensitive);
        } else if (uri.prefix() != null) {
            path = PathMatch.prefix(uri.prefix(), caseSensitive);
        } else {
            path = PathMatch.regex(uri.regex());
        }
        List<HeaderMatch> headers = new ArrayList<>();
        pseudo(headers, ":authority", m.authority());
        pseudo(headers, ":method", m.method());
        pseudo(headers, ":scheme", m.scheme());
        m.headers().forEach((name, match) -> headers.add(new HeaderMatch(name, value(match), false)));
        m.withoutHeaders().forEach((name, match) -> headers.add(new HeaderMatch(name, value(match), true)));
        List<QueryParameterMatch> query = new ArrayList<>();
        m.queryParams().forEach((name, match) -> query.add(QueryParameterMatch.of(name, value(match))));
        return RouteMatch.of(path, headers, query);
    }

    private static void pseudo(List<HeaderMatch> out, String name, StringMatch match) {
        if (match != null && !match.isEmpty()) {
            out.add(HeaderMatch.of(name, value(match)));
        }
    }

    /** A value condition, or null for "present" ({@code {}}, and Istio's {@code regex: "*"}). */
    static io.proxyless.mesh.runtime.model.StringMatch value(StringMatch match) {
        if (match == null || match.isEmpty()) {
            return null;
        }
        if (match.exact() != null) {
            return io.proxyless.mesh.runtime.model.StringMatch.exact(match.exact());
        }
        if (match.prefix() != null) {
            return io.proxyless.mesh.runtime.model.StringMatch.prefix(match.prefix());
        }
        if (match.regex().equals("*")) {
            return null;
        }
        return io.proxyless.mesh.runtime.model.StringMatch.regex(match.regex());
    }

    /** The compiled header operations as the model's mutation. */
    static HeaderMutation headers(HeaderOps ops) {
        if (ops == null || ops.changesNoHeader()) {
            return HeaderMutation.NONE;
        }
        return HeaderMutation.of(ops.remove(),
                ops.set().stream().map(e -> new HeaderMutation.Header(e.getKey(), e.getValue())).toList(),
                ops.add().stream().map(e -> new HeaderMutation.Header(e.getKey(), e.getValue())).toList());
    }

    /** The effective retry policy as Envoy's; null when retries are off. */
    static io.proxyless.mesh.runtime.model.RetryPolicy retry(RetryPolicy policy) {
        if (policy == null) {
            return null;
        }
        return new io.proxyless.mesh.runtime.model.RetryPolicy(policy.attempts(),
                policy.conditions(),
                policy.retriableStatusCodes(), policy.perTryTimeout(), policy.backoffBase(), null,
                policy.avoidPreviousHosts());
    }

    /** The route's fault as Envoy's fault filter config, or null when it injects nothing. */
    static FaultInjection fault(FaultPolicy fault) {
        if (fault == null || (!fault.hasDelay() && !fault.hasAbort())) {
            return null;
        }
        Integer grpc = null;
        if (fault.grpcStatus() != null) {
            grpc = GRPC_CODES.get(fault.grpcStatus().toUpperCase(Locale.ROOT));
            if (grpc == null) {
                throw new IllegalArgumentException("unknown gRPC status " + fault.grpcStatus());
            }
        }
        boolean abort = fault.hasAbort();
        return new FaultInjection(fault.delay(), fault.hasDelay() ? fault.delayPercentage() : 0,
                fault.httpStatus(), grpc, abort ? fault.abortPercentage() : 0);
    }

    /**
     * Istio's redirect as Envoy's: 301 by default, and a code Envoy has no redirect for falls back to 301 (istiod
     * drops such a route); an empty {@code uri}/{@code prefixRewrite} keeps the request's path.
     */
    static Redirect redirect(HTTPRedirect r) {
        int code = r.redirectCode() == null ? 301 : switch (r.redirectCode()) {
            case 301, 302, 303, 307, 308 -> r.redirectCode();
            default -> 301;
        };
        boolean protocolDefault = r.port() == null
                && r.derivePort() == HTTPRedirect.RedirectPortSelection.FROM_PROTOCOL_DEFAULT;
        String prefix = r.prefixRewrite() == null || r.prefixRewrite().isEmpty() ? null : r.prefixRewrite();
        String uri = prefix != null || r.uri() == null || r.uri().isEmpty() ? null : r.uri();
        Redirect redirect = Redirect.of(emptyToNull(r.scheme()), emptyToNull(r.authority()), r.port(),
                protocolDefault, uri, prefix, code);
        return r.port() == null && r.derivePort() == HTTPRedirect.RedirectPortSelection.FROM_REQUEST_PORT
                ? redirect.withPortFromRequest() : redirect;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Istio's direct response: its status (200 unless set) and body ({@code string} as UTF-8, or {@code bytes}). */
    static DirectResponse directResponse(HTTPDirectResponse response) {
        int status = response.status() == null ? 200 : response.status();
        HTTPBody body = response.body();
        if (body == null) {
            return DirectResponse.of(status, new byte[0]);
        }
        if (body.string() != null) {
            return DirectResponse.of(status, body.string().getBytes(StandardCharsets.UTF_8));
        }
        if (body.bytes() != null) {
            return DirectResponse.of(status, Base64.getDecoder().decode(body.bytes()));
        }
        return DirectResponse.of(status, new byte[0]);
    }

    /** Istio's {@code rewrite} of the path: a regex rewrite wins over {@code uri} (istiod sets one or the other). */
    static PathRewrite pathRewrite(HTTPRewrite rewrite) {
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

    /** What the cluster's consistent hash hashes, as route hash policies (empty when it does not hash). */
    static List<HashPolicy> hashPolicies(IstioCluster cluster) {
        return cluster == null ? List.of() : hashPolicies(cluster.policy());
    }

    /** What a merged DestinationRule policy's consistent hash hashes, as route hash policies. */
    static List<HashPolicy> hashPolicies(io.proxyless.mesh.runtime.policy.ClusterPolicy policy) {
        if (policy == null || policy.loadBalancer() == null || policy.loadBalancer().consistentHash() == null) {
            return List.of();
        }
        LoadBalancerSettings.ConsistentHashLB hash = policy.loadBalancer().consistentHash();
        if (hash.httpHeaderName() != null) {
            return List.of(HashPolicy.header(hash.httpHeaderName()));
        }
        if (hash.httpCookie() != null && hash.httpCookie().name() != null) {
            return List.of(HashPolicy.cookie(hash.httpCookie().name(), hash.httpCookie().path(),
                    hash.httpCookie().ttl()));
        }
        if (hash.httpQueryParameterName() != null) {
            return List.of(HashPolicy.queryParameter(hash.httpQueryParameterName()));
        }
        if (Boolean.TRUE.equals(hash.useSourceIp())) {
            return List.of(HashPolicy.sourceIp());
        }
        return List.of();
    }

    /** A resolved Istio cluster as Envoy's: discovery, load balancing, outlier detection, limits, connections, TLS. */
    static io.proxyless.mesh.runtime.model.Cluster cluster(IstioCluster c) {
        io.proxyless.mesh.runtime.model.Cluster.Discovery discovery = c.passthrough()
                ? io.proxyless.mesh.runtime.model.Cluster.Discovery.ORIGINAL_DST
                : c.endpoints().stream().anyMatch(e -> e.ipAddress() == null)
                ? io.proxyless.mesh.runtime.model.Cluster.Discovery.STRICT_DNS
                : io.proxyless.mesh.runtime.model.Cluster.Discovery.EDS;
        ConnectionPool.Limits limits = ConnectionPool.Limits.from(c.policy().connectionPool());
        // Named by the key string the routes and the load assignment use, so the model holds the name once.
        return new io.proxyless.mesh.runtime.model.Cluster(c.key(), ClusterKey.of(c.port(), c.subset(), c.host()),
                discovery, null, null, null, null, null)
                // istiod turns on Envoy's locality-weighted balancing for the locality weights distribute gives.
                .withLbPolicy(lbPolicy(c.policy().loadBalancer()).withLocalityWeighted(c.priorities() != null
                        && !c.priorities().weights().isEmpty()))
                .withOutlierDetection(outlierDetection(OutlierDetector.Settings.from(c.policy().outlierDetection())))
                .withCircuitBreakers(CircuitBreakers.of(clamp(limits.maxConnections()),
                        clamp(limits.maxPendingRequests()), clamp(limits.maxRequests()), clamp(limits.maxRetries())))
                .withConnection(new ConnectionSettings(limits.connectTimeout(), limits.idleTimeout(),
                        limits.http2KeepAliveInterval(), limits.http2KeepAliveTimeout(),
                        limits.maxRequestsPerConnection(), limits.maxConnectionDuration()))
                .withTls(tls(c.tlsPolicy()))
                .withTransportSocketMatches(c.autoMtls() == null ? List.of()
                        : TransportSocketMatch.istioAutoMtls(tls(c.autoMtls())));
    }

    static LbPolicy lbPolicy(LoadBalancerSettings lb) {
        LbPolicy policy;
        if (lb != null && lb.consistentHash() != null) {
            LoadBalancerSettings.ConsistentHashLB hash = lb.consistentHash();
            if (hash.maglev() != null) {
                policy = LbPolicy.maglev(hash.maglev().tableSize() == null ? LbPolicy.DEFAULT_TABLE_SIZE
                        : hash.maglev().tableSize());
            } else {
                Long ring = hash.ringHash() != null ? hash.ringHash().minimumRingSize() : hash.minimumRingSize();
                policy = LbPolicy.ringHash(ring == null ? LbPolicy.DEFAULT_MINIMUM_RING_SIZE : ring);
            }
            return policy;
        }
        LoadBalancerSettings.SimpleLB simple = lb == null ? null : lb.simple();
        if (simple == LoadBalancerSettings.SimpleLB.PASSTHROUGH) {
            return LbPolicy.clusterProvided();
        }
        policy = simple == LoadBalancerSettings.SimpleLB.ROUND_ROBIN ? LbPolicy.roundRobin()
                : simple == LoadBalancerSettings.SimpleLB.RANDOM ? LbPolicy.random() : LbPolicy.leastRequest();
        Duration warmup = lb == null ? null : lb.warmup() != null ? lb.warmup().duration() : lb.warmupDurationSecs();
        if (warmup != null && !warmup.isZero()) {
            double aggression = lb.warmup() != null && lb.warmup().aggression() != null ? lb.warmup().aggression() : 1;
            double min = lb.warmup() != null && lb.warmup().minimumPercent() != null
                    ? lb.warmup().minimumPercent() : 10;
            policy = policy.withSlowStart(new LbPolicy.SlowStart(warmup, aggression, min));
        }
        return policy;
    }

    static OutlierDetection outlierDetection(OutlierDetector.Settings s) {
        if (s == null) {
            return null;
        }
        return new OutlierDetection(s.consecutive5xxErrors(), s.consecutiveGatewayErrors(),
                s.consecutiveLocalOriginFailures(), s.splitExternalLocalOriginErrors(), s.interval(),
                s.baseEjectionTime(), s.maxEjectionPercent(), s.minHealthPercent(), s.maxEjectionTime(),
                s.httpErrorCodes());
    }

    static UpstreamTls tls(ClientTlsPolicy p) {
        if (p == null) {
            return null;
        }
        UpstreamTls.Mode mode = UpstreamTls.Mode.valueOf(p.mode().name());
        UpstreamTls tls = new UpstreamTls(mode, p.clientCertificate(), p.privateKey(), p.caCertificates(), p.sni(),
                p.subjectAltNames(), false);
        return p.insecureSkipVerify() ? tls.withInsecureSkipVerify() : tls;
    }

    /**
     * The cluster's endpoints with their Envoy priority (the locality level, 0 nearest) and, under locality
     * {@code distribute}, their locality's share (recovered from the endpoint's weight in the distribution:
     * {@code share × weight / locality weight}).
     */
    static List<LbEndpoint> endpoints(IstioCluster c) {
        List<LbEndpoint> out = new ArrayList<>();
        LocalityPriorities priorities = c.priorities();
        Map<String, Integer> localityWeight = new java.util.HashMap<>();
        for (Endpoint e : c.endpoints()) {
            localityWeight.merge(e.locality(), e.weight(), Integer::sum);
        }
        for (Endpoint e : c.endpoints()) {
            int priority = 0;
            double share = 0;
            if (priorities != null) {
                for (int level = 0; level < priorities.levels().size(); level++) {
                    if (priorities.levels().get(level).contains(e)) {
                        priority = level;
                        break;
                    }
                }
                if (priorities.weights().containsKey(e)) {
                    share = priorities.weight(e) * localityWeight.get(e.locality()) / e.weight();
                }
            }
            // istiod copies the workload's tlsMode label into the endpoint's transport socket match metadata; an
            // endpoint whose PeerAuthentication is DISABLE gets none, so auto mTLS sends it plain text.
            String tlsMode = c.mtlsDisabled().contains(e) ? null : e.labels().get(TransportSocketMatch.TLS_MODE_LABEL);
            out.add(new LbEndpoint(e.address(), e.port(), e.weight(), e.locality(), priority, e.labels(),
                    e.serviceAccount(), share, tlsMode == null ? Map.of()
                    : Map.of(TransportSocketMatch.TLS_MODE, tlsMode)));
        }
        return out;
    }

    private static int clamp(long limit) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, limit));
    }
}
