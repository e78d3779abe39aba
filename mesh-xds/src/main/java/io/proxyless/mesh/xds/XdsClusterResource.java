package io.proxyless.mesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.LoadBalancingPolicy;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.load_balancing_policies.common.v3.SlowStartConfig;
import io.envoyproxy.envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest;
import io.envoyproxy.envoy.extensions.load_balancing_policies.maglev.v3.Maglev;
import io.envoyproxy.envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash;
import io.envoyproxy.envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin;
import io.envoyproxy.envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.proxyless.mesh.runtime.model.CircuitBreakers;
import io.proxyless.mesh.runtime.model.ClusterKey;
import io.proxyless.mesh.runtime.model.ClusterLoadAssignment;
import io.proxyless.mesh.runtime.model.ConnectionSettings;
import io.proxyless.mesh.runtime.model.LbPolicy;
import io.proxyless.mesh.runtime.model.OutlierDetection;
import io.proxyless.mesh.runtime.model.TransportSocketMatch;
import io.proxyless.mesh.runtime.model.UpstreamTls;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * CDS into the mesh's one route model: {@code envoy.config.cluster.v3.Cluster} → {@link
 * io.proxyless.mesh.runtime.model.Cluster}, as grpc-java's {@code XdsClusterResource} parses it: small static
 * functions, each returning a model value or recording an error in {@link Findings}. Envoy's defaults fill what
 * a cluster leaves unset (5 s connect timeout; outlier detection's 5 consecutive 5xx, 10 s interval, 30 s
 * ejection, 10% max ejection, 50% panic threshold; 1024 per circuit-breaker threshold, 3 retries).
 *
 * <p>A value Envoy or grpc-java would reject is an error that NACKs the cluster, named by field: an unknown
 * load-balancing policy, a ring larger than its maximum, a maglev table size that is not prime, a negative or
 * zero duration where Envoy wants a positive one, a percentage beyond 100, a certificate this client cannot
 * read. A field the engine does not act on is a warning.
 */
final class XdsClusterResource {
    static final String TLS_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
    static final String HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    /** istiod's SDS name for the workload certificate and for the root CA. */
    static final String SDS_DEFAULT = "default";
    static final String SDS_ROOT = "ROOTCA";
    /** istiod's SDS names for certificates mounted as files (DestinationRule TLS with file paths). */
    static final String SDS_FILE_CERT = "file-cert:";
    static final String SDS_FILE_ROOT = "file-root:";
    /** Envoy's connect timeout when a cluster sets none. */
    static final Duration ENVOY_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Envoy's and grpc-java's largest ring ({@code ring_hash_lb_config.maximum_ring_size}'s bound). */
    static final long MAX_RING_SIZE = 8_388_608;
    /** Envoy's largest maglev table. */
    static final long MAX_MAGLEV_TABLE_SIZE = 5_000_011;

    private static final String OUTBOUND = "outbound|";
    private static final String LB_TYPE = "type.googleapis.com/envoy.extensions.load_balancing_policies.";
    private static final HandledFields FIELDS = HandledFields.of(Cluster.getDescriptor(), Set.of("name", "type",
            "eds_cluster_config", "connect_timeout", "lb_policy", "load_assignment", "circuit_breakers",
            "outlier_detection", "common_lb_config", "transport_socket", "transport_socket_matches", "metadata",
            "typed_extension_protocol_options", "ring_hash_lb_config", "maglev_lb_config", "least_request_lb_config",
            "round_robin_lb_config", "load_balancing_policy", "alt_stat_name", "filters",
            "per_connection_buffer_limit_bytes", "dns_lookup_family", "dns_refresh_rate", "respect_dns_ttl",
            "dns_jitter", "cleanup_interval", "track_cluster_stats", "max_requests_per_connection",
            "use_tcp_for_dns_lookups", "dns_resolvers", "typed_dns_resolver_config",
            "close_connections_on_host_health_failure", "ignore_health_on_host_removal", "wait_for_warm_on_init",
            "upstream_connection_options", "cluster_type"));
    private static final HandledFields OUTLIER_FIELDS = HandledFields.of(
            io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.getDescriptor(), Set.of("consecutive_5xx",
                    "interval", "base_ejection_time", "max_ejection_percent", "enforcing_consecutive_5xx",
                    "enforcing_success_rate", "consecutive_gateway_failure", "enforcing_consecutive_gateway_failure",
                    "split_external_local_origin_errors", "consecutive_local_origin_failure",
                    "enforcing_consecutive_local_origin_failure", "enforcing_local_origin_success_rate",
                    "enforcing_failure_percentage", "enforcing_failure_percentage_local_origin"));
    /** A cluster's bytes scanned for what {@link #parseCluster} checks (its own load assignment's too). */
    private static final UnhandledFieldScan SCAN = UnhandledFieldScan.of(FIELDS)
            .nest(Cluster.OUTLIER_DETECTION_FIELD_NUMBER, UnhandledFieldScan.of(OUTLIER_FIELDS))
            .nest(Cluster.LOAD_ASSIGNMENT_FIELD_NUMBER, XdsEndpointResource.ASSIGNMENT_SCAN);

    private XdsClusterResource() {
    }

    /**
     * A parsed cluster: the model's cluster and where its endpoints come from.
     *
     * @param cluster        the model value
     * @param edsServiceName the EDS resource that holds its endpoints ({@link
     *                       io.proxyless.mesh.runtime.model.Cluster.Discovery#EDS} clusters without inline
     *                       endpoints), else null
     * @param inlineEndpoints the cluster's own {@code load_assignment} (STATIC and DNS clusters), else null
     */
    record Update(io.proxyless.mesh.runtime.model.Cluster cluster, String edsServiceName,
                  ClusterLoadAssignment inlineEndpoints) {
        String name() {
            return cluster.name();
        }
    }

    static Parsed<Update> parse(Cluster c, ParseContext ctx) {
        return parse(c, ctx, null);
    }

    /** Like {@link #parse(Cluster, ParseContext)}, {@code c} decoded from {@code bytes} (or null). */
    static Parsed<Update> parse(Cluster c, ParseContext ctx, ByteString bytes) {
        Findings f = new Findings(bytes != null && SCAN.clean(bytes));
        Update value = parseCluster(c, ctx, f);
        return Parsed.of(value, f);
    }

    static Update parseCluster(Cluster c, ParseContext ctx, Findings f) {
        f.unsupportedFields(c, "", FIELDS);
        if (c.getName().isEmpty()) {
            f.error("name", "a cluster needs a name");
            return null;
        }
        io.proxyless.mesh.runtime.model.Cluster.Discovery discovery = parseDiscovery(c, f);
        String edsName = null;
        ClusterLoadAssignment inline = null;
        if (c.getType() == Cluster.DiscoveryType.EDS && !c.hasClusterType()) {
            var eds = c.getEdsClusterConfig();
            edsName = eds.getServiceName().isEmpty() ? c.getName() : eds.getServiceName();
            if (eds.hasEdsConfig() && !eds.getEdsConfig().hasAds() && !eds.getEdsConfig().hasSelf()) {
                f.warn("eds_cluster_config.eds_config", "only ads and self are supported; endpoints are fetched over"
                        + " the ADS stream");
            }
        } else if (c.hasLoadAssignment()) {
            ClusterLoadAssignment own = XdsEndpointResource.parseAssignment(c.getLoadAssignment(), "load_assignment",
                    f);
            inline = own == null ? null : own.named(c.getName());
        }
        LbPolicy lb = parseLbPolicy(c, f);
        OutlierDetection outlier = c.hasOutlierDetection() ? parseOutlierDetection(c, f) : null;
        CircuitBreakers breakers = parseCircuitBreakers(c, f);
        ConnectionSettings connection = parseConnectionSettings(c, f);
        UpstreamTls tls = parseTransportSocket(c, ctx, f);
        List<TransportSocketMatch> socketMatches = parseTransportSocketMatches(c, ctx, f);
        if (discovery == null || f.hasErrors()) {
            return null;
        }
        try {
            io.proxyless.mesh.runtime.model.Cluster cluster = new io.proxyless.mesh.runtime.model.Cluster(c.getName(),
                    clusterKey(c.getName()), discovery, lb, outlier, breakers, connection, tls, socketMatches);
            return new Update(cluster, edsName, inline);
        } catch (IllegalArgumentException e) {
            f.error("", e.getMessage());
            return null;
        }
    }

    /**
     * The Istio service a cluster stands for, when its name is istiod's {@code outbound|PORT|SUBSET|HOST}; null
     * for any other name. Only for explanations (which service and subset a decision went to): routes name
     * clusters, so nothing routes by it.
     */
    static ClusterKey clusterKey(String name) {
        // Cut at the bars by hand: one name per cluster, 10,000 in a large mesh's first config.
        if (!name.startsWith(OUTBOUND)) {
            return null;
        }
        int portEnd = name.indexOf('|', OUTBOUND.length());
        int subsetEnd = portEnd < 0 ? -1 : name.indexOf('|', portEnd + 1);
        if (subsetEnd < 0 || subsetEnd == name.length() - 1 || name.indexOf('|', subsetEnd + 1) >= 0) {
            return null;
        }
        String port = name.substring(OUTBOUND.length(), portEnd);
        if (!HostPort.isPort(port) || Integer.parseInt(port) == 0) {
            return null;
        }
        String host = name.substring(subsetEnd + 1);
        return host.equals(host.toLowerCase(Locale.ROOT))
                ? ClusterKey.of(Integer.parseInt(port), name.substring(portEnd + 1, subsetEnd), host) : null;
    }

    /** How endpoints are found, or null with an error for a discovery this client cannot carry out. */
    static io.proxyless.mesh.runtime.model.Cluster.Discovery parseDiscovery(Cluster c, Findings f) {
        if (c.hasClusterType()) {
            // grpc-java's aggregate cluster and other extensions: sending the cluster's traffic nowhere instead
            // would fail every call on routes that name it.
            f.error("cluster_type", "custom cluster type " + c.getClusterType().getName()
                    + " cannot be carried out by this client");
            return null;
        }
        return switch (c.getType()) {
            case EDS, STATIC -> io.proxyless.mesh.runtime.model.Cluster.Discovery.EDS;
            case STRICT_DNS -> io.proxyless.mesh.runtime.model.Cluster.Discovery.STRICT_DNS;
            case LOGICAL_DNS -> {
                f.warn("type", "LOGICAL_DNS is resolved like STRICT_DNS: every address of the name is an endpoint");
                yield io.proxyless.mesh.runtime.model.Cluster.Discovery.STRICT_DNS;
            }
            case ORIGINAL_DST -> io.proxyless.mesh.runtime.model.Cluster.Discovery.ORIGINAL_DST;
            default -> {
                f.error("type", "unknown discovery type " + c.getTypeValue());
                yield null;
            }
        };
    }

    // ---- Load balancing ----

    /**
     * The cluster's load-balancing policy, or null with an error. Envoy's locality-weighted balancing is on with
     * {@code common_lb_config.locality_weighted_lb_config} for the legacy {@code lb_policy}; a
     * {@code load_balancing_policy} says it itself ({@code wrr_locality}, or its policy's locality settings).
     */
    static LbPolicy parseLbPolicy(Cluster c, Findings f) {
        boolean localityWeighted = false;
        if (c.hasCommonLbConfig()) {
            var common = c.getCommonLbConfig();
            if (common.hasZoneAwareLbConfig()) {
                f.warn("common_lb_config.zone_aware_lb_config", "not supported; ignored");
            }
            if (common.hasLocalityWeightedLbConfig() && c.hasLoadBalancingPolicy()) {
                // Envoy turns it into the legacy policy's typed config only; a load_balancing_policy has its own.
                f.warn("common_lb_config.locality_weighted_lb_config", "ignored with load_balancing_policy, as in"
                        + " Envoy: use wrr_locality or the policy's own locality setting for locality weights");
            }
            localityWeighted = common.hasLocalityWeightedLbConfig();
            if (common.hasConsistentHashingLbConfig()) {
                f.warn("common_lb_config.consistent_hashing_lb_config", "not supported; ignored");
            }
        }
        if (c.hasLoadBalancingPolicy()) {
            return parseLoadBalancingPolicy(c.getLoadBalancingPolicy(), "load_balancing_policy", f);
        }
        LbPolicy policy = switch (c.getLbPolicy()) {
            case ROUND_ROBIN -> withSlowStart(LbPolicy.roundRobin(), c.hasRoundRobinLbConfig()
                    && c.getRoundRobinLbConfig().hasSlowStartConfig()
                    ? slowStart(c.getRoundRobinLbConfig().getSlowStartConfig(),
                    "round_robin_lb_config.slow_start_config", f) : null);
            case LEAST_REQUEST -> {
                var config = c.getLeastRequestLbConfig();
                String path = "least_request_lb_config";
                if (config.hasChoiceCount() && config.getChoiceCount().getValue() < 2) {
                    f.error(Findings.join(path, "choice_count"), "must be at least 2");
                } else if (config.hasChoiceCount() && config.getChoiceCount().getValue() != 2) {
                    f.warn(Findings.join(path, "choice_count"), "only 2 (power of two choices) is supported");
                }
                if (config.hasActiveRequestBias()) {
                    f.warn(Findings.join(path, "active_request_bias"), "not supported; ignored");
                }
                yield withSlowStart(LbPolicy.leastRequest(), config.hasSlowStartConfig()
                        ? slowStart(config.getSlowStartConfig(), Findings.join(path, "slow_start_config"), f) : null);
            }
            case RANDOM -> LbPolicy.random();
            case RING_HASH -> {
                var rh = c.getRingHashLbConfig();
                yield ringHash(rh.hasMinimumRingSize() ? rh.getMinimumRingSize().getValue() : null,
                        rh.hasMaximumRingSize() ? rh.getMaximumRingSize().getValue() : null,
                        rh.getHashFunction() == Cluster.RingHashLbConfig.HashFunction.XX_HASH, "ring_hash_lb_config",
                        f);
            }
            case MAGLEV -> maglev(c.hasMaglevLbConfig() && c.getMaglevLbConfig().hasTableSize()
                    ? c.getMaglevLbConfig().getTableSize().getValue() : null, "maglev_lb_config", f);
            // An ORIGINAL_DST cluster's "policy": the request names its endpoint.
            case CLUSTER_PROVIDED -> LbPolicy.roundRobin();
            default -> {
                f.error("lb_policy", "unknown load-balancing policy " + c.getLbPolicyValue());
                yield null;
            }
        };
        return policy == null ? null : policy.withLocalityWeighted(localityWeighted);
    }

    /** Whether a typed policy's {@code locality_lb_config} asks for locality-weighted balancing. */
    private static boolean localityWeighted(
            io.envoyproxy.envoy.extensions.load_balancing_policies.common.v3.LocalityLbConfig config, String path,
            Findings f) {
        if (config.hasZoneAwareLbConfig()) {
            f.warn(Findings.join(path, "zone_aware_lb_config"), "not supported; ignored");
        }
        return config.hasLocalityWeightedLbConfig();
    }

    /** Like grpc-java: the first policy of the list this client knows wins; none known is an error. */
    private static LbPolicy parseLoadBalancingPolicy(LoadBalancingPolicy p, String path, Findings f) {
        for (int i = 0; i < p.getPoliciesCount(); i++) {
            Any config = p.getPolicies(i).getTypedExtensionConfig().getTypedConfig();
            String pp = path + ".policies[" + i + "].typed_extension_config.typed_config";
            try {
                switch (config.getTypeUrl()) {
                    case LB_TYPE + "round_robin.v3.RoundRobin" -> {
                        RoundRobin rr = config.unpack(RoundRobin.class);
                        LbPolicy policy = withSlowStart(LbPolicy.roundRobin(), rr.hasSlowStartConfig()
                                ? slowStart(rr.getSlowStartConfig(), Findings.join(pp, "slow_start_config"), f) : null);
                        return policy == null ? null : policy.withLocalityWeighted(localityWeighted(
                                rr.getLocalityLbConfig(), Findings.join(pp, "locality_lb_config"), f));
                    }
                    case LB_TYPE + "least_request.v3.LeastRequest" -> {
                        LeastRequest lr = config.unpack(LeastRequest.class);
                        if (lr.hasChoiceCount() && lr.getChoiceCount().getValue() < 2) {
                            f.error(Findings.join(pp, "choice_count"), "must be at least 2");
                        }
                        LbPolicy policy = withSlowStart(LbPolicy.leastRequest(), lr.hasSlowStartConfig()
                                ? slowStart(lr.getSlowStartConfig(), Findings.join(pp, "slow_start_config"), f) : null);
                        return policy == null ? null : policy.withLocalityWeighted(localityWeighted(
                                lr.getLocalityLbConfig(), Findings.join(pp, "locality_lb_config"), f));
                    }
                    case LB_TYPE + "random.v3.Random" -> {
                        var random = config.unpack(
                                io.envoyproxy.envoy.extensions.load_balancing_policies.random.v3.Random.class);
                        return LbPolicy.random().withLocalityWeighted(localityWeighted(random.getLocalityLbConfig(),
                                Findings.join(pp, "locality_lb_config"), f));
                    }
                    case LB_TYPE + "ring_hash.v3.RingHash" -> {
                        RingHash rh = config.unpack(RingHash.class);
                        LbPolicy policy = ringHash(rh.hasMinimumRingSize() ? rh.getMinimumRingSize().getValue() : null,
                                rh.hasMaximumRingSize() ? rh.getMaximumRingSize().getValue() : null,
                                rh.getHashFunction() == RingHash.HashFunction.XX_HASH
                                        || rh.getHashFunction() == RingHash.HashFunction.DEFAULT_HASH, pp, f);
                        return policy == null ? null : policy.withLocalityWeighted(rh.hasLocalityWeightedLbConfig());
                    }
                    case LB_TYPE + "maglev.v3.Maglev" -> {
                        Maglev m = config.unpack(Maglev.class);
                        LbPolicy policy = maglev(m.hasTableSize() ? m.getTableSize().getValue() : null, pp, f);
                        return policy == null ? null : policy.withLocalityWeighted(m.hasLocalityWeightedLbConfig());
                    }
                    case LB_TYPE + "wrr_locality.v3.WrrLocality" -> {
                        // Locality weights pick a locality, then the inner policy an endpoint in it.
                        WrrLocality w = config.unpack(WrrLocality.class);
                        LbPolicy inner = parseLoadBalancingPolicy(w.getEndpointPickingPolicy(),
                                Findings.join(pp, "endpoint_picking_policy"), f);
                        return inner == null ? null : inner.withLocalityWeighted(true);
                    }
                    default -> {
                    }
                }
            } catch (InvalidProtocolBufferException e) {
                f.error(pp, "cannot decode: " + e.getMessage());
                return null;
            }
        }
        f.error(path, "no policy this client supports (round_robin, least_request, random, ring_hash, maglev,"
                + " wrr_locality)");
        return null;
    }

    private static LbPolicy ringHash(Long minimum, Long maximum, boolean xxHash, String path, Findings f) {
        long min = minimum == null ? LbPolicy.DEFAULT_MINIMUM_RING_SIZE : minimum;
        long max = maximum == null ? MAX_RING_SIZE : maximum;
        if (min < 1 || min > MAX_RING_SIZE) {
            f.error(Findings.join(path, "minimum_ring_size"), min + " is not in [1, " + MAX_RING_SIZE + "]");
            return null;
        }
        if (max > MAX_RING_SIZE) {
            f.error(Findings.join(path, "maximum_ring_size"), max + " exceeds " + MAX_RING_SIZE);
            return null;
        }
        if (min > max) {
            f.error(Findings.join(path, "minimum_ring_size"), min + " exceeds maximum_ring_size " + max);
            return null;
        }
        if (!xxHash) {
            f.warn(Findings.join(path, "hash_function"), "only xxHash is supported; endpoints are placed on the"
                    + " ring by xxHash");
        }
        return LbPolicy.ringHash(min);
    }

    private static LbPolicy maglev(Long tableSize, String path, Findings f) {
        long size = tableSize == null ? LbPolicy.DEFAULT_TABLE_SIZE : tableSize;
        // Maglev's permutation needs a prime table; Envoy rejects any other size.
        if (size > MAX_MAGLEV_TABLE_SIZE || !BigInteger.valueOf(size).isProbablePrime(32)) {
            f.error(Findings.join(path, "table_size"), size + " is not a prime no larger than "
                    + MAX_MAGLEV_TABLE_SIZE);
            return null;
        }
        return LbPolicy.maglev(size);
    }

    private static LbPolicy withSlowStart(LbPolicy lb, LbPolicy.SlowStart slowStart) {
        return slowStart == null ? lb : lb.withSlowStart(slowStart);
    }

    private static LbPolicy.SlowStart slowStart(Cluster.SlowStartConfig s, String path, Findings f) {
        return slowStart(s.hasSlowStartWindow() ? s.getSlowStartWindow() : null,
                s.hasAggression() ? s.getAggression().getDefaultValue() : null,
                s.hasMinWeightPercent() ? s.getMinWeightPercent().getValue() : null, path, f);
    }

    private static LbPolicy.SlowStart slowStart(SlowStartConfig s, String path, Findings f) {
        return slowStart(s.hasSlowStartWindow() ? s.getSlowStartWindow() : null,
                s.hasAggression() ? s.getAggression().getDefaultValue() : null,
                s.hasMinWeightPercent() ? s.getMinWeightPercent().getValue() : null, path, f);
    }

    /** Envoy's slow start: no window means none; aggression 1.0 and a 10% floor by default. */
    private static LbPolicy.SlowStart slowStart(com.google.protobuf.Duration window, Double aggression,
                                                Double minWeightPercent, String path, Findings f) {
        if (window == null) {
            return null;
        }
        Duration w = positiveDuration(window, Findings.join(path, "slow_start_window"), f);
        double a = aggression == null ? 1.0 : aggression;
        double min = minWeightPercent == null ? 10.0 : minWeightPercent;
        if (!(a > 0)) {
            f.error(Findings.join(path, "aggression"), "must be positive, got " + a);
            return null;
        }
        if (!(min >= 0 && min <= 100)) {
            f.error(Findings.join(path, "min_weight_percent"), min + " is not in [0, 100]");
            return null;
        }
        return w == null ? null : new LbPolicy.SlowStart(w, a, min);
    }

    // ---- Outlier detection, circuit breakers, connections ----

    /**
     * Envoy's outlier detection. An enforcement of 0 turns a detector off, which is how istiod disables
     * consecutive 5xx when only gateway errors are configured.
     */
    static OutlierDetection parseOutlierDetection(Cluster c, Findings f) {
        var od = c.getOutlierDetection();
        String path = "outlier_detection";
        f.unsupportedFields(od, path, OUTLIER_FIELDS);
        int enforcing5xx = od.hasEnforcingConsecutive5Xx() ? od.getEnforcingConsecutive5Xx().getValue() : 100;
        int enforcingGateway = od.hasEnforcingConsecutiveGatewayFailure()
                ? od.getEnforcingConsecutiveGatewayFailure().getValue() : 0;
        for (int[] e : new int[][] {{enforcing5xx}, {enforcingGateway}}) {
            if (e[0] > 100) {
                f.error(path, "an enforcing percentage of " + e[0] + " exceeds 100");
                return null;
            }
            if (e[0] > 0 && e[0] < 100) {
                f.warn(path, "enforcement below 100% is not supported; every detected outlier is ejected");
            }
        }
        int consecutive5xx = od.hasConsecutive5Xx() ? ProtoValues.clampToInt(od.getConsecutive5Xx().getValue()) : 5;
        int gateway = od.hasConsecutiveGatewayFailure()
                ? ProtoValues.clampToInt(od.getConsecutiveGatewayFailure().getValue()) : 5;
        if (!od.hasEnforcingSuccessRate() || od.getEnforcingSuccessRate().getValue() > 0) {
            f.warn(Findings.join(path, "enforcing_success_rate"), "success-rate ejection is not supported (Istio"
                    + " turns it off with enforcing_success_rate: 0); only consecutive errors eject");
        }
        if (od.hasEnforcingFailurePercentage() && od.getEnforcingFailurePercentage().getValue() > 0) {
            f.warn(Findings.join(path, "enforcing_failure_percentage"), "failure-percentage ejection is not"
                    + " supported");
        }
        boolean split = od.getSplitExternalLocalOriginErrors();
        int localOrigin = 0;
        if (split) {
            int enforcing = od.hasEnforcingConsecutiveLocalOriginFailure()
                    ? od.getEnforcingConsecutiveLocalOriginFailure().getValue() : 100;
            localOrigin = enforcing == 0 ? 0 : od.hasConsecutiveLocalOriginFailure()
                    ? ProtoValues.clampToInt(od.getConsecutiveLocalOriginFailure().getValue()) : 5;
        }
        Duration interval = od.hasInterval()
                ? positiveDuration(od.getInterval(), Findings.join(path, "interval"), f) : Duration.ofSeconds(10);
        Duration ejection = od.hasBaseEjectionTime()
                ? positiveDuration(od.getBaseEjectionTime(), Findings.join(path, "base_ejection_time"), f)
                : Duration.ofSeconds(30);
        long maxEjection = od.hasMaxEjectionPercent() ? Integer.toUnsignedLong(od.getMaxEjectionPercent().getValue())
                : 10;
        if (maxEjection > 100) {
            f.error(Findings.join(path, "max_ejection_percent"), maxEjection + " exceeds 100");
            return null;
        }
        // Istio carries minHealthPercent in the panic threshold; Envoy's own default is 50%.
        double panic = c.hasCommonLbConfig() && c.getCommonLbConfig().hasHealthyPanicThreshold()
                ? c.getCommonLbConfig().getHealthyPanicThreshold().getValue() : 50;
        if (!(panic >= 0 && panic <= 100)) {
            f.error("common_lb_config.healthy_panic_threshold", panic + " is not in [0, 100]");
            return null;
        }
        if (interval == null || ejection == null) {
            return null;
        }
        return new OutlierDetection(enforcing5xx == 0 ? 0 : consecutive5xx, enforcingGateway == 0 ? 0 : gateway,
                localOrigin, split, interval, ejection, (int) maxEjection, (int) Math.round(panic));
    }

    /**
     * The DEFAULT-priority thresholds. A threshold left unset has Envoy's default (1024; 3 retries); a cluster
     * without {@code circuit_breakers} gets the mesh's default, no limit, as Istio's sidecars have.
     */
    static CircuitBreakers parseCircuitBreakers(Cluster c, Findings f) {
        if (!c.hasCircuitBreakers()) {
            return null;
        }
        var cb = c.getCircuitBreakers();
        CircuitBreakers out = null;
        for (int i = 0; i < cb.getThresholdsCount(); i++) {
            var t = cb.getThresholds(i);
            String path = "circuit_breakers.thresholds[" + i + "]";
            if (t.getPriority() != RoutingPriority.DEFAULT) {
                f.warn(path, "only DEFAULT priority thresholds are used");
                continue;
            }
            if (t.hasRetryBudget()) {
                f.warn(Findings.join(path, "retry_budget"), "not enforced: retries are limited by num_retries and"
                        + " max_retries");
            }
            int connections = t.hasMaxConnections() ? ProtoValues.clampToInt(unsigned(t.getMaxConnections())) : 1024;
            int pending = t.hasMaxPendingRequests() ? ProtoValues.clampToInt(unsigned(t.getMaxPendingRequests()))
                    : 1024;
            int requests = t.hasMaxRequests() ? ProtoValues.clampToInt(unsigned(t.getMaxRequests())) : 1024;
            int retries = t.hasMaxRetries() ? ProtoValues.clampToInt(unsigned(t.getMaxRetries())) : 3;
            try {
                out = CircuitBreakers.of(connections, pending, requests, retries);
            } catch (IllegalArgumentException e) {
                f.error(path, e.getMessage() + " (max_connections, max_pending_requests and max_requests of 0"
                        + " would refuse every call)");
            }
        }
        if (cb.getPerHostThresholdsCount() > 0) {
            f.warn("circuit_breakers.per_host_thresholds", "not supported; ignored");
        }
        return out;
    }

    /** Connect timeout, idle timeout and HTTP/2 keep-alives. */
    static ConnectionSettings parseConnectionSettings(Cluster c, Findings f) {
        Duration connect = c.hasConnectTimeout()
                ? positiveDuration(c.getConnectTimeout(), "connect_timeout", f) : ENVOY_CONNECT_TIMEOUT;
        Duration idle = ConnectionSettings.DEFAULT_IDLE_TIMEOUT;
        Duration keepAliveInterval = null;
        Duration keepAliveTimeout = null;
        if (c.hasMaxRequestsPerConnection()) {
            f.warn("max_requests_per_connection", "not supported; connections are reused without a request limit");
        }
        for (String key : c.getTypedExtensionProtocolOptionsMap().keySet()) {
            String path = "typed_extension_protocol_options." + key;
            if (!key.equals(HTTP_OPTIONS)) {
                f.warn(path, "not supported; ignored");
                continue;
            }
            HttpProtocolOptions http;
            try {
                http = ProtoValues.unpack(c.getTypedExtensionProtocolOptionsMap().get(key),
                        HttpProtocolOptions.getDefaultInstance(), HttpProtocolOptions.class);
            } catch (InvalidProtocolBufferException e) {
                f.error(path, "cannot decode: " + e.getMessage());
                continue;
            }
            var common = http.getCommonHttpProtocolOptions();
            String cp = Findings.join(path, "common_http_protocol_options");
            if (common.hasIdleTimeout()) {
                Duration d = nonNegativeDuration(common.getIdleTimeout(), Findings.join(cp, "idle_timeout"), f);
                idle = d == null || d.isZero() ? null : d; // 0 turns the idle timeout off
            }
            if (common.hasMaxConnectionDuration()) {
                f.warn(Findings.join(cp, "max_connection_duration"), "not supported; connections are kept until"
                        + " idle");
            }
            if (common.hasMaxRequestsPerConnection()) {
                f.warn(Findings.join(cp, "max_requests_per_connection"), "not supported; connections are reused"
                        + " without a request limit");
            }
            if (http.hasExplicitHttpConfig() && http.getExplicitHttpConfig().hasHttp2ProtocolOptions()
                    && http.getExplicitHttpConfig().getHttp2ProtocolOptions().hasConnectionKeepalive()) {
                var ka = http.getExplicitHttpConfig().getHttp2ProtocolOptions().getConnectionKeepalive();
                String kp = Findings.join(path, "explicit_http_config.http2_protocol_options.connection_keepalive");
                keepAliveInterval = ka.hasInterval()
                        ? positiveDuration(ka.getInterval(), Findings.join(kp, "interval"), f) : null;
                keepAliveTimeout = ka.hasTimeout()
                        ? positiveDuration(ka.getTimeout(), Findings.join(kp, "timeout"), f) : null;
            }
        }
        if (c.hasUpstreamConnectionOptions() && c.getUpstreamConnectionOptions().hasTcpKeepalive()) {
            f.warn("upstream_connection_options.tcp_keepalive", "not supported: OkHttp and gRPC expose no per-socket"
                    + " keep-alive probes");
        }
        if (connect == null) {
            return null;
        }
        return new ConnectionSettings(connect, idle, keepAliveInterval, keepAliveTimeout);
    }

    // ---- TLS ----

    /** The cluster's own upstream TLS ({@code transport_socket}), or null for plain text. */
    static UpstreamTls parseTransportSocket(Cluster c, ParseContext ctx, Findings f) {
        return c.hasTransportSocket() ? parseTls(c.getTransportSocket(), "transport_socket", ctx, f) : null;
    }

    /**
     * {@code transport_socket_matches}: per-endpoint sockets, matched against each endpoint's
     * {@code envoy.transport_socket_match} metadata (Istio's auto mTLS: TLS for {@code tlsMode: istio}, plain
     * text for the rest). Match values other than strings cannot be compared with the endpoints' metadata as
     * this client keeps it, so they are errors rather than entries that silently never match.
     */
    static List<TransportSocketMatch> parseTransportSocketMatches(Cluster c, ParseContext ctx, Findings f) {
        List<TransportSocketMatch> out = new ArrayList<>();
        for (int i = 0; i < c.getTransportSocketMatchesCount(); i++) {
            Cluster.TransportSocketMatch m = c.getTransportSocketMatches(i);
            String path = "transport_socket_matches[" + i + "]";
            Map<String, String> match = new LinkedHashMap<>();
            m.getMatch().getFieldsMap().forEach((k, v) -> {
                if (v.hasStringValue()) {
                    match.put(k, v.getStringValue());
                } else {
                    f.error(Findings.join(path, "match." + k), "only string values can be matched by this client");
                }
            });
            UpstreamTls tls = m.hasTransportSocket()
                    ? parseTls(m.getTransportSocket(), Findings.join(path, "transport_socket"), ctx, f) : null;
            out.add(new TransportSocketMatch(m.getName(), match, tls));
        }
        return out;
    }

    /**
     * An {@code UpstreamTlsContext}, or null for plain text. A certificate or CA this client cannot read (not a
     * file, an unknown provider) is an error: connecting without the certificate, or verifying against other
     * roots than the server named, would not be what it asked for.
     */
    static UpstreamTls parseTls(TransportSocket socket, String path, ParseContext ctx, Findings f) {
        Any config = socket.getTypedConfig();
        if (!config.getTypeUrl().equals(TLS_TYPE)) {
            if (!config.getTypeUrl().endsWith(".RawBuffer") && !config.getTypeUrl().isEmpty()) {
                f.error(path, "transport socket " + config.getTypeUrl() + " cannot be carried out by this client");
            }
            return null;
        }
        UpstreamTlsContext tls;
        try {
            tls = ProtoValues.unpack(config, UpstreamTlsContext.getDefaultInstance(), UpstreamTlsContext.class);
        } catch (InvalidProtocolBufferException e) {
            f.error(path, "cannot decode UpstreamTlsContext: " + e.getMessage());
            return null;
        }
        CommonTlsContext common = tls.getCommonTlsContext();
        String cp = path + ".typed_config.common_tls_context";
        String[] certAndKey = null;
        if (common.getTlsCertificatesCount() > 0) {
            var cert = common.getTlsCertificates(0);
            String chain = file(cert.getCertificateChain(), cp + ".tls_certificates[0].certificate_chain", f);
            String key = file(cert.getPrivateKey(), cp + ".tls_certificates[0].private_key", f);
            certAndKey = chain == null || key == null ? null : new String[] {chain, key};
        } else if (common.getTlsCertificateSdsSecretConfigsCount() > 0) {
            certAndKey = sdsCertificate(common.getTlsCertificateSdsSecretConfigs(0).getName(), ctx,
                    cp + ".tls_certificate_sds_secret_configs[0]", f);
        } else if (common.hasTlsCertificateProviderInstance()) {
            certAndKey = providerCertificate(common.getTlsCertificateProviderInstance(), ctx,
                    cp + ".tls_certificate_provider_instance", f);
        }
        String ca = null;
        List<String> sans = new ArrayList<>();
        boolean validated = true;
        switch (common.getValidationContextTypeCase()) {
            case VALIDATION_CONTEXT -> ca = validationContext(common.getValidationContext(), ctx,
                    cp + ".validation_context", sans, f);
            case VALIDATION_CONTEXT_SDS_SECRET_CONFIG -> ca = sdsRoot(
                    common.getValidationContextSdsSecretConfig().getName(), ctx,
                    cp + ".validation_context_sds_secret_config", f);
            case COMBINED_VALIDATION_CONTEXT -> {
                var combined = common.getCombinedValidationContext();
                String combinedPath = cp + ".combined_validation_context";
                ca = validationContext(combined.getDefaultValidationContext(), ctx,
                        combinedPath + ".default_validation_context", sans, f);
                if (combined.hasValidationContextSdsSecretConfig()) {
                    ca = sdsRoot(combined.getValidationContextSdsSecretConfig().getName(), ctx,
                            combinedPath + ".validation_context_sds_secret_config", f);
                }
            }
            // Without any validation context Envoy does not verify the server; say the same thing to the client.
            case VALIDATIONCONTEXTTYPE_NOT_SET -> validated = false;
            default -> f.error(cp, common.getValidationContextTypeCase() + " cannot be carried out by this client");
        }
        if (f.hasErrors()) {
            return null;
        }
        String sni = tls.getSni().isEmpty() ? null : tls.getSni();
        Path caPath = ca == null ? null : Path.of(ca);
        UpstreamTls out = certAndKey != null
                ? UpstreamTls.mutual(Path.of(certAndKey[0]), Path.of(certAndKey[1]), caPath, sni, sans)
                : UpstreamTls.simple(caPath, sni, sans);
        return validated ? out : out.withInsecureSkipVerify();
    }

    private static String validationContext(CertificateValidationContext v, ParseContext ctx, String path,
                                            List<String> sans, Findings f) {
        String ca = null;
        if (v.hasTrustedCa()) {
            ca = file(v.getTrustedCa(), path + ".trusted_ca", f);
        } else if (v.hasCaCertificateProviderInstance()) {
            ca = providerRoot(v.getCaCertificateProviderInstance(), ctx, path + ".ca_certificate_provider_instance", f);
        }
        for (int i = 0; i < v.getMatchSubjectAltNamesCount(); i++) {
            san(v.getMatchSubjectAltNames(i), path + ".match_subject_alt_names[" + i + "]", sans, f);
        }
        for (int i = 0; i < v.getMatchTypedSubjectAltNamesCount(); i++) {
            san(v.getMatchTypedSubjectAltNames(i).getMatcher(),
                    path + ".match_typed_subject_alt_names[" + i + "].matcher", sans, f);
        }
        return ca;
    }

    /** A SAN matcher: ignoring one would accept servers it was meant to refuse, so what cannot be checked is an error. */
    private static void san(StringMatcher m, String path, List<String> sans, Findings f) {
        if (m.hasExact() && !m.getIgnoreCase()) {
            sans.add(m.getExact());
        } else if (m.hasPrefix() && m.getPrefix().startsWith("spiffe://")) {
            // istiod matches a trust domain's identities by prefix; checking the prefix as a name is stricter.
            sans.add(m.getPrefix());
            f.warn(path, "a prefix SAN match is checked as an exact name");
        } else {
            f.error(path, "only exact subject alt name matches can be checked by this client");
        }
    }

    private static String file(DataSource d, String path, Findings f) {
        if (d.hasFilename()) {
            return d.getFilename();
        }
        f.error(path, d.getSpecifierCase() + " cannot be read by this client: certificates must be files");
        return null;
    }

    private static String[] sdsCertificate(String name, ParseContext ctx, String path, Findings f) {
        if (name.startsWith(SDS_FILE_CERT)) {
            String[] parts = name.substring(SDS_FILE_CERT.length()).split("~", 2);
            if (parts.length == 2) {
                return parts;
            }
        }
        XdsBootstrap.CertificateProvider p = ctx.certificateProviders().get(name);
        if (p == null || p.certificateFile() == null) {
            f.error(path, "SDS secret \"" + name + "\" names no certificate provider with a certificate in the"
                    + " bootstrap");
            return null;
        }
        return new String[] {p.certificateFile(), p.privateKeyFile()};
    }

    private static String sdsRoot(String name, ParseContext ctx, String path, Findings f) {
        if (name.startsWith(SDS_FILE_ROOT)) {
            return name.substring(SDS_FILE_ROOT.length());
        }
        // istiod's ROOTCA is the mesh root, which istio-agent writes next to the workload certificate.
        XdsBootstrap.CertificateProvider p = ctx.certificateProviders().get(name.equals(SDS_ROOT) ? SDS_DEFAULT : name);
        if (p == null || p.caCertificateFile() == null) {
            f.error(path, "SDS secret \"" + name + "\" names no certificate provider with a CA in the bootstrap");
            return null;
        }
        return p.caCertificateFile();
    }

    private static String[] providerCertificate(CertificateProviderPluginInstance i, ParseContext ctx, String path,
                                                Findings f) {
        XdsBootstrap.CertificateProvider p = ctx.certificateProviders().get(i.getInstanceName());
        if (p == null || p.certificateFile() == null) {
            f.error(path, "certificate provider instance \"" + i.getInstanceName() + "\" is not in the bootstrap's"
                    + " certificate_providers (or has no certificate_file)");
            return null;
        }
        return new String[] {p.certificateFile(), p.privateKeyFile()};
    }

    private static String providerRoot(CertificateProviderPluginInstance i, ParseContext ctx, String path,
                                       Findings f) {
        XdsBootstrap.CertificateProvider p = ctx.certificateProviders().get(i.getInstanceName());
        if (p == null || p.caCertificateFile() == null) {
            f.error(path, "certificate provider instance \"" + i.getInstanceName() + "\" is not in the bootstrap's"
                    + " certificate_providers (or has no ca_certificate_file)");
            return null;
        }
        return p.caCertificateFile();
    }

    // ---- Small values ----

    private static long unsigned(com.google.protobuf.UInt32Value v) {
        return Integer.toUnsignedLong(v.getValue());
    }

    /** A duration Envoy requires to be positive, or null with an error. */
    static Duration positiveDuration(com.google.protobuf.Duration d, String path, Findings f) {
        Duration out = ProtoValues.duration(d);
        if (out.isNegative() || out.isZero()) {
            f.error(path, "must be positive, got " + out);
            return null;
        }
        return out;
    }

    /** A duration Envoy requires to be 0 or more, or null with an error. */
    static Duration nonNegativeDuration(com.google.protobuf.Duration d, String path, Findings f) {
        Duration out = ProtoValues.duration(d);
        if (out.isNegative()) {
            f.error(path, "must not be negative, got " + out);
            return null;
        }
        return out;
    }
}
