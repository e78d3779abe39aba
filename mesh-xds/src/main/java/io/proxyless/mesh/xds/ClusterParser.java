package io.proxyless.mesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
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
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.api.ConnectionPoolSettings;
import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.LoadBalancerSettings.ConsistentHashLB;
import io.proxyless.mesh.api.LoadBalancerSettings.SimpleLB;
import io.proxyless.mesh.api.OutlierDetection;
import io.proxyless.mesh.api.TrafficPolicy;
import io.proxyless.mesh.api.WarmupConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Cluster → {@link XdsCluster}: the inverse of istiod's DestinationRule translation
 * ({@code pilot/pkg/networking/core/cluster_traffic_policy.go}). Envoy's defaults apply to what a cluster leaves
 * unset (outlier detection's 5 consecutive 5xx, 10 s interval, 30 s ejection, 10% max ejection; round robin).
 */
final class ClusterParser {
    static final String TLS_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
    static final String HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    /** istiod's SDS name for the workload certificate and for the root CA. */
    static final String SDS_DEFAULT = "default";
    static final String SDS_ROOT = "ROOTCA";
    /** istiod's SDS names for certificates mounted as files (DestinationRule TLS with file paths). */
    static final String SDS_FILE_CERT = "file-cert:";
    static final String SDS_FILE_ROOT = "file-root:";

    private static final Set<String> FIELDS = Set.of("name", "type", "eds_cluster_config", "connect_timeout",
            "lb_policy", "load_assignment", "circuit_breakers", "outlier_detection", "common_lb_config",
            "transport_socket", "transport_socket_matches", "metadata", "typed_extension_protocol_options",
            "ring_hash_lb_config", "maglev_lb_config", "least_request_lb_config", "round_robin_lb_config",
            "load_balancing_policy", "alt_stat_name", "filters", "per_connection_buffer_limit_bytes",
            "dns_lookup_family", "dns_refresh_rate", "respect_dns_ttl", "dns_jitter", "cleanup_interval",
            "track_cluster_stats", "max_requests_per_connection", "use_tcp_for_dns_lookups", "dns_resolvers",
            "typed_dns_resolver_config", "close_connections_on_host_health_failure", "ignore_health_on_host_removal",
            "wait_for_warm_on_init");
    private static final Set<String> OUTLIER_FIELDS = Set.of("consecutive_5xx", "interval", "base_ejection_time",
            "max_ejection_percent", "enforcing_consecutive_5xx", "enforcing_success_rate",
            "consecutive_gateway_failure", "enforcing_consecutive_gateway_failure",
            "split_external_local_origin_errors", "consecutive_local_origin_failure",
            "enforcing_consecutive_local_origin_failure", "enforcing_local_origin_success_rate",
            "enforcing_failure_percentage", "enforcing_failure_percentage_local_origin");

    private ClusterParser() {
    }

    static Parsed<XdsCluster> parse(Cluster c, ParseContext ctx) {
        Findings f = new Findings();
        XdsCluster value = parseCluster(c, ctx, f);
        return Parsed.of(value, f);
    }

    static XdsCluster parseCluster(Cluster c, ParseContext ctx, Findings f) {
        f.unsupportedFields(c, "", FIELDS);
        ClusterName id = ClusterName.parse(c.getName());
        XdsCluster.Discovery discovery;
        if (c.hasClusterType()) {
            f.warn("cluster_type", "custom cluster type " + c.getClusterType().getName()
                    + " is not supported; the cluster has no endpoints");
            discovery = XdsCluster.Discovery.UNSUPPORTED;
        } else {
            discovery = switch (c.getType()) {
                case EDS -> XdsCluster.Discovery.EDS;
                case STATIC -> XdsCluster.Discovery.STATIC;
                case STRICT_DNS -> XdsCluster.Discovery.STRICT_DNS;
                case LOGICAL_DNS -> XdsCluster.Discovery.LOGICAL_DNS;
                case ORIGINAL_DST -> XdsCluster.Discovery.ORIGINAL_DST;
                default -> {
                    f.error("type", "unknown discovery type " + c.getTypeValue());
                    yield XdsCluster.Discovery.UNSUPPORTED;
                }
            };
        }
        String edsName = null;
        if (discovery == XdsCluster.Discovery.EDS) {
            var eds = c.getEdsClusterConfig();
            edsName = eds.getServiceName().isEmpty() ? c.getName() : eds.getServiceName();
            if (eds.hasEdsConfig() && !eds.getEdsConfig().hasAds() && !eds.getEdsConfig().hasSelf()) {
                f.warn("eds_cluster_config.eds_config", "only ads and self are supported; endpoints are fetched over"
                        + " the ADS stream");
            }
        }
        XdsEndpoints inline = null;
        if (discovery != XdsCluster.Discovery.EDS && c.hasLoadAssignment()) {
            inline = EndpointParser.parseAssignment(c.getLoadAssignment(), "load_assignment", f);
        }
        boolean[] localityWeighted = {false};
        LoadBalancerSettings lb = parseLoadBalancer(c, f, localityWeighted);
        ConnectionPoolSettings pool = parseConnectionPool(c, f);
        OutlierDetection outlier = c.hasOutlierDetection() ? parseOutlierDetection(c, f) : null;
        ClientTLSSettings tls = parseTransportSocket(c, ctx, f);
        TrafficPolicy.RetryBudget budget = parseRetryBudget(c.getCircuitBreakers());
        if (budget != null) {
            f.warn("circuit_breakers.thresholds.retry_budget", "not enforced: retries are limited by num_retries and"
                    + " max_retries (Istio's retryBudget is not supported)");
        }
        return new XdsCluster(id, discovery, edsName, lb, pool, outlier, tls, budget, localityWeighted[0], inline);
    }

    static LoadBalancerSettings parseLoadBalancer(Cluster c, Findings f, boolean[] localityWeighted) {
        LoadBalancerSettings lb;
        if (c.hasLoadBalancingPolicy()) {
            lb = parseLoadBalancingPolicy(c.getLoadBalancingPolicy(), "load_balancing_policy", f, localityWeighted);
        } else {
            lb = switch (c.getLbPolicy()) {
                case ROUND_ROBIN -> withWarmup(SimpleLB.ROUND_ROBIN, c.hasRoundRobinLbConfig()
                        && c.getRoundRobinLbConfig().hasSlowStartConfig()
                        ? c.getRoundRobinLbConfig().getSlowStartConfig() : (Cluster.SlowStartConfig) null);
                case LEAST_REQUEST -> {
                    var config = c.getLeastRequestLbConfig();
                    if (config.hasChoiceCount() && config.getChoiceCount().getValue() != 2) {
                        f.warn("least_request_lb_config.choice_count", "only 2 (power of two choices) is supported");
                    }
                    if (config.hasActiveRequestBias()) {
                        f.warn("least_request_lb_config.active_request_bias", "not supported; ignored");
                    }
                    yield withWarmup(SimpleLB.LEAST_REQUEST, config.hasSlowStartConfig()
                            ? config.getSlowStartConfig() : (Cluster.SlowStartConfig) null);
                }
                case RANDOM -> LoadBalancerSettings.simple(SimpleLB.RANDOM);
                case RING_HASH -> ringHash(c.hasRingHashLbConfig() && c.getRingHashLbConfig().hasMinimumRingSize()
                        ? c.getRingHashLbConfig().getMinimumRingSize().getValue() : null);
                case MAGLEV -> maglev(c.hasMaglevLbConfig() && c.getMaglevLbConfig().hasTableSize()
                        ? c.getMaglevLbConfig().getTableSize().getValue() : null);
                case CLUSTER_PROVIDED -> LoadBalancerSettings.simple(SimpleLB.PASSTHROUGH);
                default -> {
                    f.warn("lb_policy", c.getLbPolicy() + " is not supported; round robin is used");
                    yield LoadBalancerSettings.simple(SimpleLB.ROUND_ROBIN);
                }
            };
        }
        if (c.hasCommonLbConfig()) {
            var common = c.getCommonLbConfig();
            if (common.hasZoneAwareLbConfig()) {
                f.warn("common_lb_config.zone_aware_lb_config", "not supported; ignored");
            }
            if (common.hasLocalityWeightedLbConfig()) {
                localityWeighted[0] = true;
            }
            if (common.hasConsistentHashingLbConfig()) {
                f.warn("common_lb_config.consistent_hashing_lb_config", "not supported; ignored");
            }
        }
        return lb;
    }

    private static LoadBalancerSettings parseLoadBalancingPolicy(LoadBalancingPolicy p, String path, Findings f,
                                                                 boolean[] localityWeighted) {
        // Like grpc-java: the first policy in the list that we know wins.
        for (int i = 0; i < p.getPoliciesCount(); i++) {
            Any config = p.getPolicies(i).getTypedExtensionConfig().getTypedConfig();
            String pp = path + ".policies[" + i + "]";
            try {
                switch (config.getTypeUrl()) {
                    case "type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin" -> {
                        RoundRobin rr = config.unpack(RoundRobin.class);
                        return withWarmup(SimpleLB.ROUND_ROBIN,
                                rr.hasSlowStartConfig() ? rr.getSlowStartConfig() : (SlowStartConfig) null);
                    }
                    case "type.googleapis.com/envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest" -> {
                        LeastRequest lr = config.unpack(LeastRequest.class);
                        return withWarmup(SimpleLB.LEAST_REQUEST,
                                lr.hasSlowStartConfig() ? lr.getSlowStartConfig() : (SlowStartConfig) null);
                    }
                    case "type.googleapis.com/envoy.extensions.load_balancing_policies.random.v3.Random" -> {
                        return LoadBalancerSettings.simple(SimpleLB.RANDOM);
                    }
                    case "type.googleapis.com/envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash" -> {
                        RingHash rh = config.unpack(RingHash.class);
                        return ringHash(rh.hasMinimumRingSize() ? rh.getMinimumRingSize().getValue() : null);
                    }
                    case "type.googleapis.com/envoy.extensions.load_balancing_policies.maglev.v3.Maglev" -> {
                        Maglev m = config.unpack(Maglev.class);
                        return maglev(m.hasTableSize() ? m.getTableSize().getValue() : null);
                    }
                    case "type.googleapis.com/envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality" -> {
                        // Locality weights first, then the endpoint picking policy inside each locality.
                        localityWeighted[0] = true;
                        WrrLocality w = config.unpack(WrrLocality.class);
                        return parseLoadBalancingPolicy(w.getEndpointPickingPolicy(), pp + ".endpoint_picking_policy",
                                f, localityWeighted);
                    }
                    default -> {
                    }
                }
            } catch (InvalidProtocolBufferException e) {
                f.error(pp, "cannot decode: " + e.getMessage());
                return null;
            }
        }
        f.warn(path, "no supported policy (round_robin, least_request, random, ring_hash, maglev, wrr_locality);"
                + " round robin is used");
        return LoadBalancerSettings.simple(SimpleLB.ROUND_ROBIN);
    }

    private static LoadBalancerSettings withWarmup(SimpleLB simple, SlowStartConfig slowStart) {
        if (slowStart == null || !slowStart.hasSlowStartWindow()) {
            return LoadBalancerSettings.simple(simple);
        }
        return withWarmup(simple, new WarmupConfiguration(ProtoValues.duration(slowStart.getSlowStartWindow()),
                slowStart.hasMinWeightPercent() ? slowStart.getMinWeightPercent().getValue() : null,
                slowStart.hasAggression() ? slowStart.getAggression().getDefaultValue() : null));
    }

    private static LoadBalancerSettings withWarmup(SimpleLB simple, Cluster.SlowStartConfig slowStart) {
        if (slowStart == null || !slowStart.hasSlowStartWindow()) {
            return LoadBalancerSettings.simple(simple);
        }
        return withWarmup(simple, new WarmupConfiguration(ProtoValues.duration(slowStart.getSlowStartWindow()),
                slowStart.hasMinWeightPercent() ? slowStart.getMinWeightPercent().getValue() : null,
                slowStart.hasAggression() ? slowStart.getAggression().getDefaultValue() : null));
    }

    private static LoadBalancerSettings withWarmup(SimpleLB simple, WarmupConfiguration warmup) {
        return new LoadBalancerSettings(simple, null, null, null, null, warmup);
    }

    private static LoadBalancerSettings ringHash(Long minimumRingSize) {
        return LoadBalancerSettings.consistentHash(new ConsistentHashLB(null, null, null, null,
                new ConsistentHashLB.RingHash(minimumRingSize == null ? 1024L : minimumRingSize), null, null));
    }

    private static LoadBalancerSettings maglev(Long tableSize) {
        return LoadBalancerSettings.consistentHash(new ConsistentHashLB(null, null, null, null, null,
                new ConsistentHashLB.MagLev(tableSize == null ? 65537L : tableSize), null));
    }

    /**
     * Circuit breakers, connect timeout and HTTP protocol options as Istio's connectionPool. A threshold field
     * left unset has Envoy's default, 1024.
     */
    static ConnectionPoolSettings parseConnectionPool(Cluster c, Findings f) {
        Integer maxConnections = null;
        Integer pending = null;
        Integer requests = null;
        Integer retries = null;
        if (c.hasCircuitBreakers()) {
            CircuitBreakers cb = c.getCircuitBreakers();
            for (int i = 0; i < cb.getThresholdsCount(); i++) {
                CircuitBreakers.Thresholds t = cb.getThresholds(i);
                if (t.getPriority() != RoutingPriority.DEFAULT) {
                    f.warn("circuit_breakers.thresholds[" + i + "]", "only DEFAULT priority thresholds are used");
                    continue;
                }
                maxConnections = t.hasMaxConnections() ? ProtoValues.clampToInt(t.getMaxConnections().getValue()) : 1024;
                pending = t.hasMaxPendingRequests() ? ProtoValues.clampToInt(t.getMaxPendingRequests().getValue()) : 1024;
                requests = t.hasMaxRequests() ? ProtoValues.clampToInt(t.getMaxRequests().getValue()) : 1024;
                retries = t.hasMaxRetries() ? ProtoValues.clampToInt(t.getMaxRetries().getValue()) : 3;
            }
            if (cb.getPerHostThresholdsCount() > 0) {
                f.warn("circuit_breakers.per_host_thresholds", "not supported; ignored");
            }
        }
        Duration connectTimeout = c.hasConnectTimeout() ? ProtoValues.duration(c.getConnectTimeout()) : null;
        Integer perConnection = c.hasMaxRequestsPerConnection()
                ? ProtoValues.clampToInt(c.getMaxRequestsPerConnection().getValue()) : null;
        Duration idle = null;
        Duration maxDuration = null;
        Any options = c.getTypedExtensionProtocolOptionsMap().get(HTTP_OPTIONS);
        if (options != null) {
            try {
                HttpProtocolOptions http = options.unpack(HttpProtocolOptions.class);
                var common = http.getCommonHttpProtocolOptions();
                if (common.hasIdleTimeout()) {
                    idle = ProtoValues.duration(common.getIdleTimeout());
                }
                if (common.hasMaxConnectionDuration()) {
                    maxDuration = ProtoValues.duration(common.getMaxConnectionDuration());
                }
                if (common.hasMaxRequestsPerConnection()) {
                    perConnection = ProtoValues.clampToInt(common.getMaxRequestsPerConnection().getValue());
                }
            } catch (InvalidProtocolBufferException e) {
                f.error("typed_extension_protocol_options." + HTTP_OPTIONS, "cannot decode: " + e.getMessage());
            }
        }
        for (String key : c.getTypedExtensionProtocolOptionsMap().keySet()) {
            if (!key.equals(HTTP_OPTIONS)) {
                f.warn("typed_extension_protocol_options." + key, "not supported; ignored");
            }
        }
        if (c.hasUpstreamConnectionOptions() && c.getUpstreamConnectionOptions().hasTcpKeepalive()) {
            f.warn("upstream_connection_options.tcp_keepalive", "not supported: OkHttp and gRPC expose no per-socket"
                    + " keep-alive probes");
        }
        if (maxConnections == null && connectTimeout == null && perConnection == null && idle == null
                && maxDuration == null) {
            return null;
        }
        ConnectionPoolSettings.TCPSettings tcp = maxConnections == null && connectTimeout == null && maxDuration == null
                ? null : new ConnectionPoolSettings.TCPSettings(maxConnections, connectTimeout, null, maxDuration, null);
        ConnectionPoolSettings.HTTPSettings http = pending == null && requests == null && perConnection == null
                && retries == null && idle == null ? null
                : new ConnectionPoolSettings.HTTPSettings(pending, requests, perConnection, retries, idle, null, null,
                null, null);
        return ConnectionPoolSettings.of(tcp, http);
    }

    static TrafficPolicy.RetryBudget parseRetryBudget(CircuitBreakers cb) {
        for (CircuitBreakers.Thresholds t : cb.getThresholdsList()) {
            if (t.getPriority() == RoutingPriority.DEFAULT && t.hasRetryBudget()) {
                var b = t.getRetryBudget();
                return new TrafficPolicy.RetryBudget(b.hasBudgetPercent() ? b.getBudgetPercent().getValue() : 20.0,
                        b.hasMinRetryConcurrency() ? ProtoValues.clampToInt(b.getMinRetryConcurrency().getValue()) : 3,
                        null);
            }
        }
        return null;
    }

    /**
     * Envoy outlier detection as Istio's. Envoy's defaults fill what is unset; an enforcement of 0 turns a
     * detector off, which is how istiod disables consecutive 5xx when only gateway errors are configured.
     */
    static OutlierDetection parseOutlierDetection(Cluster c, Findings f) {
        var od = c.getOutlierDetection();
        f.unsupportedFields(od, "outlier_detection", OUTLIER_FIELDS);
        int enforcing5xx = od.hasEnforcingConsecutive5Xx() ? od.getEnforcingConsecutive5Xx().getValue() : 100;
        int consecutive5xx = od.hasConsecutive5Xx() ? ProtoValues.clampToInt(od.getConsecutive5Xx().getValue()) : 5;
        int enforcingGateway = od.hasEnforcingConsecutiveGatewayFailure()
                ? od.getEnforcingConsecutiveGatewayFailure().getValue() : 0;
        Integer gateway = enforcingGateway > 0 ? (od.hasConsecutiveGatewayFailure()
                ? ProtoValues.clampToInt(od.getConsecutiveGatewayFailure().getValue()) : 5) : null;
        for (int[] partial : new int[][] {{enforcing5xx}, {enforcingGateway}}) {
            if (partial[0] > 0 && partial[0] < 100) {
                f.warn("outlier_detection", "enforcement below 100% is not supported; every detected outlier is"
                        + " ejected");
                break;
            }
        }
        if (!od.hasEnforcingSuccessRate() || od.getEnforcingSuccessRate().getValue() > 0) {
            f.warn("outlier_detection.enforcing_success_rate", "success-rate ejection is not supported (Istio turns"
                    + " it off with enforcing_success_rate: 0); only consecutive errors eject");
        }
        if (od.hasEnforcingFailurePercentage() && od.getEnforcingFailurePercentage().getValue() > 0) {
            f.warn("outlier_detection.enforcing_failure_percentage", "failure-percentage ejection is not supported");
        }
        boolean split = od.getSplitExternalLocalOriginErrors();
        Integer localOrigin = null;
        if (split) {
            int enforcing = od.hasEnforcingConsecutiveLocalOriginFailure()
                    ? od.getEnforcingConsecutiveLocalOriginFailure().getValue() : 100;
            localOrigin = enforcing == 0 ? 0 : od.hasConsecutiveLocalOriginFailure()
                    ? ProtoValues.clampToInt(od.getConsecutiveLocalOriginFailure().getValue()) : 5;
        }
        // Istio carries minHealthPercent in the panic threshold; Envoy's own default is 50%.
        int minHealth = c.hasCommonLbConfig() && c.getCommonLbConfig().hasHealthyPanicThreshold()
                ? (int) Math.round(c.getCommonLbConfig().getHealthyPanicThreshold().getValue()) : 50;
        return new OutlierDetection(null, split ? Boolean.TRUE : null, localOrigin, gateway,
                enforcing5xx == 0 ? 0 : consecutive5xx,
                od.hasInterval() ? ProtoValues.duration(od.getInterval()) : Duration.ofSeconds(10),
                od.hasBaseEjectionTime() ? ProtoValues.duration(od.getBaseEjectionTime()) : Duration.ofSeconds(30),
                od.hasMaxEjectionPercent() ? ProtoValues.clampToInt(od.getMaxEjectionPercent().getValue()) : 10,
                minHealth, List.of());
    }

    /**
     * The upstream TLS settings: {@code transport_socket}, or the TLS entry of {@code transport_socket_matches}
     * (Istio's auto mTLS, which uses TLS for endpoints labelled {@code tlsMode: istio}).
     */
    static ClientTLSSettings parseTransportSocket(Cluster c, ParseContext ctx, Findings f) {
        if (c.hasTransportSocket()) {
            return parseTls(c.getTransportSocket(), "transport_socket", ctx, f);
        }
        for (int i = 0; i < c.getTransportSocketMatchesCount(); i++) {
            var m = c.getTransportSocketMatches(i);
            if (m.getTransportSocket().getTypedConfig().getTypeUrl().equals(TLS_TYPE)) {
                f.warn("transport_socket_matches[" + i + "]", "per-endpoint transport sockets are not supported; TLS"
                        + " is used for every endpoint of the cluster");
                return parseTls(m.getTransportSocket(), "transport_socket_matches[" + i + "].transport_socket", ctx, f);
            }
        }
        return null;
    }

    static ClientTLSSettings parseTls(TransportSocket socket, String path, ParseContext ctx, Findings f) {
        Any config = socket.getTypedConfig();
        if (!config.getTypeUrl().equals(TLS_TYPE)) {
            if (!config.getTypeUrl().endsWith(".RawBuffer") && !config.getTypeUrl().isEmpty()) {
                f.warn(path, "transport socket " + config.getTypeUrl() + " is not supported; plaintext is used");
            }
            return null;
        }
        UpstreamTlsContext tls;
        try {
            tls = config.unpack(UpstreamTlsContext.class);
        } catch (InvalidProtocolBufferException e) {
            f.error(path, "cannot decode UpstreamTlsContext: " + e.getMessage());
            return null;
        }
        String tp = path + ".typed_config";
        CommonTlsContext common = tls.getCommonTlsContext();
        String cp = tp + ".common_tls_context";
        String[] certAndKey = null;
        if (common.getTlsCertificatesCount() > 0) {
            var cert = common.getTlsCertificates(0);
            certAndKey = new String[] {file(cert.getCertificateChain(), cp + ".tls_certificates[0].certificate_chain", f),
                file(cert.getPrivateKey(), cp + ".tls_certificates[0].private_key", f)};
        } else if (common.getTlsCertificateSdsSecretConfigsCount() > 0) {
            certAndKey = sdsCertificate(common.getTlsCertificateSdsSecretConfigs(0).getName(), ctx,
                    cp + ".tls_certificate_sds_secret_configs[0]", f);
        } else if (common.hasTlsCertificateProviderInstance()) {
            certAndKey = providerCertificate(common.getTlsCertificateProviderInstance(), ctx,
                    cp + ".tls_certificate_provider_instance", f);
        }
        String ca = null;
        List<String> sans = new ArrayList<>();
        boolean validated = false;
        switch (common.getValidationContextTypeCase()) {
            case VALIDATION_CONTEXT -> {
                validated = true;
                ca = validationContext(common.getValidationContext(), ctx, cp + ".validation_context", sans, f);
            }
            case VALIDATION_CONTEXT_SDS_SECRET_CONFIG -> {
                validated = true;
                ca = sdsRoot(common.getValidationContextSdsSecretConfig().getName(), ctx,
                        cp + ".validation_context_sds_secret_config", f);
            }
            case COMBINED_VALIDATION_CONTEXT -> {
                validated = true;
                var combined = common.getCombinedValidationContext();
                String combinedPath = cp + ".combined_validation_context";
                ca = validationContext(combined.getDefaultValidationContext(), ctx,
                        combinedPath + ".default_validation_context", sans, f);
                if (combined.hasValidationContextSdsSecretConfig()) {
                    ca = sdsRoot(combined.getValidationContextSdsSecretConfig().getName(), ctx,
                            combinedPath + ".validation_context_sds_secret_config", f);
                }
            }
            case VALIDATIONCONTEXTTYPE_NOT_SET -> {
            }
            default -> f.warn(cp, common.getValidationContextTypeCase() + " is not supported; the server certificate"
                    + " is checked against the JVM's trusted roots");
        }
        ClientTLSSettings.TLSmode mode = certAndKey != null ? ClientTLSSettings.TLSmode.MUTUAL
                : ClientTLSSettings.TLSmode.SIMPLE;
        // Without any validation context Envoy does not verify the server; say the same thing to the client.
        Boolean skipVerify = validated ? null : Boolean.TRUE;
        return new ClientTLSSettings(mode, certAndKey == null ? null : certAndKey[0],
                certAndKey == null ? null : certAndKey[1], ca, null, sans,
                tls.getSni().isEmpty() ? null : tls.getSni(), skipVerify, null);
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
            SubjectAltNameMatcher m = v.getMatchTypedSubjectAltNames(i);
            san(m.getMatcher(), path + ".match_typed_subject_alt_names[" + i + "].matcher", sans, f);
        }
        return ca;
    }

    private static void san(StringMatcher m, String path, List<String> sans, Findings f) {
        if (m.hasExact() && !m.getIgnoreCase()) {
            sans.add(m.getExact());
        } else if (m.hasPrefix() && m.getPrefix().startsWith("spiffe://")) {
            // istiod matches a trust domain's identities by prefix; the name check is then done by the prefix.
            sans.add(m.getPrefix());
            f.warn(path, "a prefix SAN match is checked as an exact name");
        } else {
            f.warn(path, "only exact subject alt name matches are supported; ignored");
        }
    }

    private static String file(DataSource d, String path, Findings f) {
        if (d.hasFilename()) {
            return d.getFilename();
        }
        f.warn(path, "only file data sources are supported for certificates; ignored");
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
        if (p == null && name.equals(SDS_DEFAULT)) {
            p = ctx.certificateProviders().get(SDS_DEFAULT);
        }
        if (p == null || p.certificateFile() == null) {
            f.warn(path, "SDS secret \"" + name + "\" names no certificate provider with a certificate in the"
                    + " bootstrap; no client certificate is sent");
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
            f.warn(path, "SDS secret \"" + name + "\" names no certificate provider with a CA in the bootstrap; the"
                    + " JVM's trusted roots are used");
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
}
