package io.proxyless.mesh.api.validation;

import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.api.ClientTLSSettings.TLSmode;
import io.proxyless.mesh.api.ConnectionPoolSettings;
import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.LoadBalancerSettings.ConsistentHashLB;
import io.proxyless.mesh.api.LocalityLoadBalancerSetting;
import io.proxyless.mesh.api.OutlierDetection;
import io.proxyless.mesh.api.Subset;
import io.proxyless.mesh.api.TrafficPolicy;
import io.proxyless.mesh.api.WarmupConfiguration;
import io.proxyless.mesh.api.ZoneAwareLoadBalancerSetting;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Istio's DestinationRule rules ({@code ValidateDestinationRule} and the traffic policy helpers it calls). The
 * traffic policy blocks are package-visible because Sidecar reuses the connection pool rules.
 */
final class DestinationRuleValidator {
    private static final Set<String> TOPOLOGY_LABELS = Set.of(
            "topology.kubernetes.io/region", "topology.kubernetes.io/zone", "topology.istio.io/subzone");

    private DestinationRuleValidator() {
    }

    static void validate(DestinationRule spec, ValidationContext ctx) {
        if (spec.host() == null) {
            ctx.error("spec.host", "host is required");
        } else if (CommonRules.wildcardDomain(spec.host(), "spec.host", ctx) && spec.host().equals("*")) {
            // Istio accepts it, but a rule for every host (external ones included) is rarely what was meant.
            ctx.warning("spec.host", "host \"*\" applies this rule to every service in the mesh;"
                    + " name the service, or use a wildcard such as \"*.example.com\"");
        }
        trafficPolicy(spec.trafficPolicy(), "spec.trafficPolicy", ctx);

        Set<String> names = new HashSet<>();
        for (int i = 0; i < spec.subsets().size(); i++) {
            Subset subset = spec.subsets().get(i);
            String at = "spec.subsets[" + i + "]";
            if (subset == null) {
                ctx.error(at, "subset may not be null");
                continue;
            }
            if (subset.name() != null && !names.add(subset.name())) {
                ctx.error(at + ".name", "duplicate subset names: " + subset.name());
            }
            CommonRules.subsetName(subset.name(), at + ".name", ctx);
            CommonRules.labels(subset.labels(), at + ".labels", ctx);
            trafficPolicy(subset.trafficPolicy(), at + ".trafficPolicy", ctx);
        }

        CommonRules.exportTo(spec.exportTo(), "spec.exportTo", ctx, false, spec.workloadSelector() != null);
        if (spec.workloadSelector() != null) {
            CommonRules.workloadSelector(spec.workloadSelector().matchLabels(), "spec.workloadSelector.matchLabels",
                    ctx, null);
        }
    }

    // ------------------------------------------------------------------ traffic policy

    static void trafficPolicy(TrafficPolicy policy, String path, ValidationContext ctx) {
        if (policy == null) {
            return;
        }
        if (policy.loadBalancer() == null && policy.connectionPool() == null && policy.outlierDetection() == null
                && policy.tls() == null && policy.portLevelSettings().isEmpty() && policy.tunnel() == null
                && policy.proxyProtocol() == null && policy.retryBudget() == null) {
            ctx.error(path, "traffic policy must have at least one field");
            return;
        }
        if (policy.tunnel() != null && policy.proxyProtocol() != null) {
            ctx.error(path, "tunnel and proxyProtocol must not be set together");
        }
        outlierDetection(policy.outlierDetection(), path + ".outlierDetection", ctx);
        connectionPool(policy.connectionPool(), path + ".connectionPool", ctx);
        loadBalancer(policy.loadBalancer(), policy.outlierDetection(), path + ".loadBalancer", ctx);
        clientTls(policy.tls(), path + ".tls", ctx);
        portLevelSettings(policy.portLevelSettings(), path + ".portLevelSettings", ctx);
        tunnel(policy.tunnel(), path + ".tunnel", ctx);
        retryBudget(policy.retryBudget(), path + ".retryBudget", ctx);
    }

    private static void portLevelSettings(List<TrafficPolicy.PortTrafficPolicy> settings, String path,
                                          ValidationContext ctx) {
        Map<Integer, Integer> firstByPort = new HashMap<>();
        for (int i = 0; i < settings.size(); i++) {
            TrafficPolicy.PortTrafficPolicy p = settings.get(i);
            String at = path + "[" + i + "]";
            if (p == null) {
                ctx.error(at, "traffic policy may not be null");
                continue;
            }
            if (p.port() == null) {
                ctx.error(at + ".port", "portTrafficPolicy must have valid port");
            } else if (CommonRules.portNumber(p.port().number(), at + ".port.number", ctx)) {
                Integer first = firstByPort.putIfAbsent(p.port().number(), i);
                if (first != null) {
                    // Istio accepts this, but only the first entry for a port is ever used.
                    ctx.warning(at + ".port.number", "port " + p.port().number() + " already has settings at "
                            + path + "[" + first + "]; this entry is ignored");
                }
            }
            if (p.loadBalancer() == null && p.connectionPool() == null && p.outlierDetection() == null
                    && p.tls() == null) {
                ctx.error(at, "port traffic policy must have at least one field");
                continue;
            }
            outlierDetection(p.outlierDetection(), at + ".outlierDetection", ctx);
            connectionPool(p.connectionPool(), at + ".connectionPool", ctx);
            loadBalancer(p.loadBalancer(), p.outlierDetection(), at + ".loadBalancer", ctx);
            clientTls(p.tls(), at + ".tls", ctx);
        }
    }

    private static void tunnel(TrafficPolicy.TunnelSettings tunnel, String path, ValidationContext ctx) {
        if (tunnel == null) {
            return;
        }
        String protocol = tunnel.protocol();
        if (protocol != null && !protocol.isEmpty() && !protocol.equals("CONNECT") && !protocol.equals("POST")) {
            ctx.error(path + ".protocol", "tunnel protocol must be \"CONNECT\" or \"POST\"");
        }
        String host = tunnel.targetHost();
        if (host == null) {
            ctx.error(path + ".targetHost", "targetHost is required");
        } else {
            String fqdnProblem = CommonRules.fqdnProblem(host);
            if (fqdnProblem != null && !CommonRules.isIpAddress(host)) {
                ctx.error(path + ".targetHost", "tunnel target host must be valid FQDN or IP address: " + fqdnProblem
                        + "; " + host + " is not a valid IP");
            }
        }
        Integer port = tunnel.targetPort();
        if (port == null) {
            ctx.error(path + ".targetPort", "targetPort is required");
        } else if (port < 1 || port > 65535) {
            ctx.error(path + ".targetPort",
                    "tunnel target port is invalid: port number " + port + " must be in the range 1..65535");
        }
    }

    // Not checked by Istio's webhook, but by its CRD schema (0 <= percent <= 100).
    private static void retryBudget(TrafficPolicy.RetryBudget budget, String path, ValidationContext ctx) {
        if (budget == null) {
            return;
        }
        Double percent = budget.percent();
        if (percent != null && (percent.isNaN() || percent < 0 || percent > 100)) {
            ctx.error(path + ".percent", "percent " + CommonRules.goFloat(percent) + " is not in range 0..100");
        }
        CommonRules.nonNegative(budget.minRetryConcurrency(), "min retry concurrency", path + ".minRetryConcurrency",
                ctx);
        if (budget.budgetInterval() != null && budget.budgetInterval().isNegative()) {
            ctx.error(path + ".budgetInterval", "budget interval must be non-negative");
        }
    }

    // ------------------------------------------------------------------ outlier detection

    static void outlierDetection(OutlierDetection od, String path, ValidationContext ctx) {
        if (od == null) {
            return;
        }
        CommonRules.duration(od.baseEjectionTime(), path + ".baseEjectionTime", ctx);
        // consecutiveErrors is deprecated; the loader already warns about it.
        Integer localOrigin = od.consecutiveLocalOriginFailures();
        if (!Boolean.TRUE.equals(od.splitExternalLocalOriginErrors()) && localOrigin != null && localOrigin > 0) {
            ctx.error(path + ".consecutiveLocalOriginFailures", "outlier detection consecutive local origin failures"
                    + " is specified, but split external local origin errors is set to false");
        }
        CommonRules.duration(od.interval(), path + ".interval", ctx);
        CommonRules.intPercent(od.maxEjectionPercent(), path + ".maxEjectionPercent", ctx);
        CommonRules.intPercent(od.minHealthPercent(), path + ".minHealthPercent", ctx);
        // Unsigned in the proto, so Istio never sees a negative value; our Integer could hold one.
        CommonRules.nonNegative(localOrigin, "consecutive local origin failures",
                path + ".consecutiveLocalOriginFailures", ctx);
        CommonRules.nonNegative(od.consecutiveGatewayErrors(), "consecutive gateway errors",
                path + ".consecutiveGatewayErrors", ctx);
        CommonRules.nonNegative(od.consecutive5xxErrors(), "consecutive 5xx errors", path + ".consecutive5xxErrors",
                ctx);
        List<Integer> codes = od.outlierDetectionHttpErrorCodes();
        for (int i = 0; i < codes.size(); i++) {
            Integer code = codes.get(i);
            // Enforced by Istio's CRD schema.
            if (code == null || code < 100 || code > 599) {
                ctx.error(path + ".outlierDetectionHttpErrorCodes[" + i + "]",
                        "HTTP status " + code + " is not in range 100-599");
            }
        }
    }

    // ------------------------------------------------------------------ connection pool

    static void connectionPool(ConnectionPoolSettings pool, String path, ValidationContext ctx) {
        if (pool == null) {
            return;
        }
        if (pool.http() == null && pool.tcp() == null) {
            ctx.error(path, "connection pool must have at least one field");
            return;
        }
        ConnectionPoolSettings.HTTPSettings http = pool.http();
        if (http != null) {
            String at = path + ".http";
            CommonRules.nonNegative(http.http1MaxPendingRequests(), "http1 max pending requests",
                    at + ".http1MaxPendingRequests", ctx);
            CommonRules.nonNegative(http.http2MaxRequests(), "http2 max requests", at + ".http2MaxRequests", ctx);
            CommonRules.nonNegative(http.maxRequestsPerConnection(), "max requests per connection",
                    at + ".maxRequestsPerConnection", ctx);
            CommonRules.nonNegative(http.maxRetries(), "max retries", at + ".maxRetries", ctx);
            CommonRules.duration(http.idleTimeout(), at + ".idleTimeout", ctx);
            if (http.h2UpgradePolicy() == ConnectionPoolSettings.HTTPSettings.H2UpgradePolicy.UPGRADE
                    && Boolean.TRUE.equals(http.useClientProtocol())) {
                ctx.error(at + ".useClientProtocol", "use client protocol must not be true when H2UpgradePolicy is"
                        + " UPGRADE");
            }
            CommonRules.nonNegative(http.maxConcurrentStreams(), "max concurrent streams",
                    at + ".maxConcurrentStreams", ctx);
            ConnectionPoolSettings.HTTPSettings.ConnectionKeepalive keepalive = http.http2KeepAlive();
            if (keepalive != null) {
                if (keepalive.interval() == null) {
                    ctx.error(at + ".http2KeepAlive.interval", "http2 keepalive interval is required");
                } else {
                    CommonRules.duration(keepalive.interval(), at + ".http2KeepAlive.interval", ctx);
                }
                if (keepalive.timeout() == null) {
                    ctx.error(at + ".http2KeepAlive.timeout", "http2 keepalive timeout is required");
                } else {
                    CommonRules.duration(keepalive.timeout(), at + ".http2KeepAlive.timeout", ctx);
                }
            }
        }
        ConnectionPoolSettings.TCPSettings tcp = pool.tcp();
        if (tcp != null) {
            String at = path + ".tcp";
            CommonRules.nonNegative(tcp.maxConnections(), "max connections", at + ".maxConnections", ctx);
            CommonRules.duration(tcp.connectTimeout(), at + ".connectTimeout", ctx);
            CommonRules.duration(tcp.maxConnectionDuration(), at + ".maxConnectionDuration", ctx);
            // 0s (anything under a millisecond, as Istio rounds) disables the idle timeout.
            if (tcp.idleTimeout() != null && tcp.idleTimeout().toMillis() != 0) {
                CommonRules.duration(tcp.idleTimeout(), at + ".idleTimeout", ctx);
            }
            ConnectionPoolSettings.TCPSettings.TcpKeepalive ka = tcp.tcpKeepalive();
            if (ka != null) {
                CommonRules.nonNegative(ka.probes(), "keepalive probes", at + ".tcpKeepalive.probes", ctx);
                CommonRules.duration(ka.time(), at + ".tcpKeepalive.time", ctx);
                CommonRules.duration(ka.interval(), at + ".tcpKeepalive.interval", ctx);
            }
        }
    }

    // ------------------------------------------------------------------ load balancer

    static void loadBalancer(LoadBalancerSettings lb, OutlierDetection outlier, String path, ValidationContext ctx) {
        if (lb == null) {
            return;
        }
        // simple and consistentHash are a proto oneof; YAML can set both, protobuf cannot.
        if (lb.simple() != null && lb.consistentHash() != null) {
            ctx.error(path, "only one of simple or consistentHash may be set");
        }
        consistentHash(lb.consistentHash(), path + ".consistentHash", ctx);

        if (lb.localityLbSetting() != null && lb.zoneAwareLbSetting() != null) {
            ctx.error(path, "only one of localityLbSetting and zoneAwareLbSetting can be set");
        }
        localityLbSetting(lb.localityLbSetting(), outlier, path + ".localityLbSetting", ctx);
        zoneAwareLbSetting(lb.zoneAwareLbSetting(), outlier, path + ".zoneAwareLbSetting", ctx);

        // Enforced by Istio's CRD schema (a CEL rule).
        if (lb.warmupDurationSecs() != null && lb.warmup() != null) {
            ctx.error(path, "only one of warmupDurationSecs or warmup can be set");
        }
        CommonRules.duration(lb.warmupDurationSecs(), path + ".warmupDurationSecs", ctx);
        WarmupConfiguration warm = lb.warmup();
        if (warm != null) {
            if (warm.duration() == null) {
                ctx.error(path + ".warmup.duration", "duration is required");
            } else {
                CommonRules.duration(warm.duration(), path + ".warmup.duration", ctx);
            }
            Double min = warm.minimumPercent();
            if (min != null && min > 100) {
                ctx.error(path + ".warmup.minimumPercent", "minimumPercent value should be less than or equal to 100");
            } else if (min != null && min < 0) {
                ctx.error(path + ".warmup.minimumPercent", "minimumPercent value should be greater than or equal to 0");
            }
            if (warm.aggression() != null && warm.aggression() <= 0) {
                ctx.error(path + ".warmup.aggression", "aggression should be greater than 0");
            }
        }
    }

    private static void consistentHash(ConsistentHashLB ch, String path, ValidationContext ctx) {
        if (ch == null) {
            return;
        }
        int keys = (ch.httpHeaderName() != null ? 1 : 0) + (ch.httpCookie() != null ? 1 : 0)
                + (ch.useSourceIp() != null ? 1 : 0) + (ch.httpQueryParameterName() != null ? 1 : 0);
        if (keys > 1) {
            ctx.error(path, "only one of httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName may be set");
        } else if (keys == 0) {
            // Istio accepts this, but with nothing to hash every request lands on a random endpoint.
            ctx.error(path, "consistentHash needs one of httpHeaderName, httpCookie, useSourceIp or"
                    + " httpQueryParameterName");
        }
        ConsistentHashLB.HTTPCookie cookie = ch.httpCookie();
        if (cookie != null) {
            if (cookie.name() == null || cookie.name().isEmpty()) {
                ctx.error(path + ".httpCookie.name", "name required for HttpCookie");
            }
            Set<String> attributeNames = new HashSet<>();
            for (int i = 0; i < cookie.attributes().size(); i++) {
                ConsistentHashLB.HTTPCookie.Attribute attr = cookie.attributes().get(i);
                String at = path + ".httpCookie.attributes[" + i + "].name";
                if (attr == null || attr.name() == null || attr.name().isEmpty()) {
                    ctx.error(at, "cookie attribute name cannot be empty");
                } else if (!attributeNames.add(attr.name())) {
                    ctx.error(at, "duplicate cookie attribute name: " + attr.name());
                }
            }
        }
        if (ch.ringHash() != null && ch.maglev() != null) {
            ctx.error(path, "only one of ringHash or maglev may be set");
        }
        Long minimumRingSize = ch.minimumRingSize();
        if (minimumRingSize != null && minimumRingSize != 0 && (ch.ringHash() != null || ch.maglev() != null)) {
            ctx.error(path + ".minimumRingSize", "only one of MinimumRingSize or Maglev/Ringhash can be specified");
        }
        ConsistentHashLB.MagLev maglev = ch.maglev();
        if (maglev != null) {
            Long size = maglev.tableSize();
            String at = path + ".maglev.tableSize";
            if (size == null || size == 0) {
                ctx.error(at, "tableSize must be set for maglev");
            } else {
                if (size >= CommonRules.MAGLEV_TABLE_SIZE_LIMIT) {
                    ctx.error(at, "tableSize must be less than " + CommonRules.MAGLEV_TABLE_SIZE_LIMIT + " for maglev");
                }
                if (!CommonRules.isPrime(size)) {
                    ctx.error(at, "tableSize must be a prime number for maglev");
                }
            }
        }
    }

    // ------------------------------------------------------------------ locality

    static void localityLbSetting(LocalityLoadBalancerSetting lb, OutlierDetection outlier, String path,
                                  ValidationContext ctx) {
        if (lb == null) {
            return;
        }
        if (!lb.distribute().isEmpty() && !lb.failover().isEmpty()) {
            ctx.error(path, "can not simultaneously specify 'distribute' and 'failover'");
        }
        if (!lb.failover().isEmpty()) {
            for (int i = 0; i < lb.failoverPriority().size(); i++) {
                String label = lb.failoverPriority().get(i);
                if (TOPOLOGY_LABELS.contains(label)) {
                    ctx.error(path + ".failoverPriority[" + i + "]", "can not simultaneously set 'failover' and"
                            + " topology label '" + label + "' in 'failover_priority'");
                }
            }
        }

        List<String> sources = new ArrayList<>();
        for (int i = 0; i < lb.distribute().size(); i++) {
            LocalityLoadBalancerSetting.Distribute d = lb.distribute().get(i);
            String at = path + ".distribute[" + i + "]";
            if (d == null) {
                continue;
            }
            sources.add(d.from() == null ? "" : d.from());
            long total = 0;
            boolean weightsOk = true;
            for (Map.Entry<String, Integer> to : d.to().entrySet()) {
                Integer w = to.getValue();
                if (w == null || w <= 0 || w > 100) {
                    ctx.error(at + ".to." + to.getKey(), "locality weight must be in range [1, 100]");
                    weightsOk = false;
                } else {
                    total += w;
                }
            }
            if (weightsOk && total != 100) {
                ctx.error(at + ".to", "total locality weight " + total + " != 100");
            }
            String overlap = localitiesProblem(new ArrayList<>(d.to().keySet()));
            if (overlap != null) {
                ctx.error(at + ".to", overlap);
            }
        }
        String sourceProblem = localitiesProblem(sources);
        if (sourceProblem != null) {
            ctx.error(path + ".distribute", sourceProblem);
        }

        if ((!lb.failover().isEmpty() || !lb.failoverPriority().isEmpty()) && outlier == null) {
            ctx.warning(path, "outlier detection policy must be provided for failover");
        }
        for (int i = 0; i < lb.failover().size(); i++) {
            LocalityLoadBalancerSetting.Failover f = lb.failover().get(i);
            if (f != null) {
                failover(f.from(), f.to(), path + ".failover[" + i + "]", "locality lb failover settings must specify"
                        + " different regions", "locality lb failover only specify region",
                        "locality lb failover region should not contain '*' wildcard", ctx);
            }
        }
    }

    static void zoneAwareLbSetting(ZoneAwareLoadBalancerSetting lb, OutlierDetection outlier, String path,
                                   ValidationContext ctx) {
        if (lb == null) {
            return;
        }
        for (int i = 0; i < lb.failoverPriority().size(); i++) {
            String label = lb.failoverPriority().get(i);
            if (TOPOLOGY_LABELS.contains(label)) {
                ctx.error(path + ".failoverPriority[" + i + "]", "'failover_priority' for zone aware lb must not use"
                        + " topology label '" + label + "'; region- and zone-level routing are handled automatically");
            }
        }
        if ((!lb.failover().isEmpty() || !lb.failoverPriority().isEmpty()) && outlier == null) {
            ctx.warning(path, "outlier detection policy must be provided for failover");
        }
        for (int i = 0; i < lb.failover().size(); i++) {
            ZoneAwareLoadBalancerSetting.Failover f = lb.failover().get(i);
            if (f != null) {
                failover(f.from(), f.to(), path + ".failover[" + i + "]", "zone aware lb failover settings must"
                        + " specify different regions", "zone aware lb failover only specifies region; zone and"
                        + " subzone failover are handled automatically",
                        "zone aware lb failover region should not contain '*' wildcard", ctx);
            }
        }
        // Enforced by Istio's CRD schema.
        if (lb.minClusterSize() != null && lb.minClusterSize() < 1) {
            ctx.error(path + ".minClusterSize", "minClusterSize must be at least 1");
        }
    }

    private static void failover(String from, String to, String path, String sameMessage, String slashMessage,
                                 String starMessage, ValidationContext ctx) {
        String f = from == null ? "" : from;
        String t = to == null ? "" : to;
        if (f.equals(t)) {
            ctx.error(path, sameMessage);
        }
        if (f.contains("/") || t.contains("/")) {
            ctx.error(path, slashMessage);
        }
        if (f.contains("*") || t.contains("*")) {
            ctx.error(path, starMessage);
        }
    }

    /**
     * Istio's check that a list of localities ({@code region[/zone[/subzone]]}, optionally ending in {@code *})
     * has no entry that is empty in the middle and none that overlaps an earlier one; the first problem only.
     */
    static String localitiesProblem(List<String> localities) {
        // region -> zone -> subzones; "*" stands for "everything below".
        Map<String, Map<String, Set<String>>> seen = new HashMap<>();
        for (String locality : localities) {
            long stars = locality.chars().filter(c -> c == '*').count();
            if (stars > 1 || (stars == 1 && !locality.endsWith("*"))) {
                return "locality " + locality + " wildcard '*' number can not exceed 1 and must be in the end";
            }
            String overlap = "locality " + locality + " overlap with previous specified ones";
            if (seen.containsKey("*")) {
                return overlap;
            }
            String[] items = locality.split("/", 3);
            if (List.of(items).contains("")) {
                return "locality " + locality + " must not contain empty region/zone/subzone info";
            }
            String region = items[0];
            if (items.length == 1) {
                if (seen.containsKey(region)) {
                    return overlap;
                }
                seen.put(region, new HashMap<>(Map.of("*", new HashSet<>(Set.of("*")))));
            } else if (items.length == 2) {
                Map<String, Set<String>> zones = seen.get(region);
                if (zones == null) {
                    seen.put(region, new HashMap<>(Map.of(items[1], new HashSet<>(Set.of("*")))));
                } else {
                    if (zones.containsKey("*") || zones.containsKey(items[1])) {
                        return overlap;
                    }
                    zones.put(items[1], new HashSet<>(Set.of("*")));
                }
            } else {
                Map<String, Set<String>> zones = seen.get(region);
                if (zones == null) {
                    seen.put(region, new HashMap<>(Map.of(items[1], new HashSet<>(Set.of(items[2])))));
                } else {
                    if (zones.containsKey("*")) {
                        return overlap;
                    }
                    Set<String> subzones = zones.get(items[1]);
                    if (subzones == null) {
                        zones.put(items[1], new HashSet<>(Set.of(items[2])));
                    } else {
                        if (subzones.contains("*") || subzones.contains(items[2])) {
                            return overlap;
                        }
                        subzones.add(items[2]);
                    }
                }
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ client TLS

    static void clientTls(ClientTLSSettings tls, String path, ValidationContext ctx) {
        if (tls == null) {
            return;
        }
        TLSmode mode = tls.mode() == null ? TLSmode.DISABLE : tls.mode();
        boolean hasCredential = notEmpty(tls.credentialName());
        if (Boolean.TRUE.equals(tls.insecureSkipVerify())) {
            if (mode == TLSmode.SIMPLE && (notEmpty(tls.caCertificates()) || hasCredential
                    || !tls.subjectAltNames().isEmpty())) {
                ctx.error(path, "cannot specify CaCertificates or CredentialName or SubjectAltNames when"
                        + " InsecureSkipVerify is set true");
            }
            if (mode == TLSmode.MUTUAL && (notEmpty(tls.caCertificates()) || !tls.subjectAltNames().isEmpty())) {
                ctx.error(path, "cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true");
            }
        }
        if ((mode == TLSmode.SIMPLE || mode == TLSmode.MUTUAL) && hasCredential) {
            if (notEmpty(tls.clientCertificate()) || notEmpty(tls.caCertificates()) || notEmpty(tls.privateKey())
                    || notEmpty(tls.caCrl())) {
                ctx.error(path, "cannot specify client certificates or CA certificate or CA CRL If credentialName is"
                        + " set");
            }
            return;
        }
        if (mode == TLSmode.MUTUAL) {
            if (!notEmpty(tls.clientCertificate())) {
                ctx.error(path + ".clientCertificate", "client certificate required for mutual tls");
            }
            if (!notEmpty(tls.privateKey())) {
                ctx.error(path + ".privateKey", "private key required for mutual tls");
            }
        }
        // Istio accepts the following and ignores the fields; say so rather than let them look effective.
        if (mode == TLSmode.SIMPLE || mode == TLSmode.ISTIO_MUTUAL) {
            ignored(tls.clientCertificate(), "clientCertificate", mode, path, ctx);
            ignored(tls.privateKey(), "privateKey", mode, path, ctx);
        }
        if (mode == TLSmode.ISTIO_MUTUAL) {
            ignored(tls.caCertificates(), "caCertificates", mode, path, ctx);
        }
        if (mode == TLSmode.DISABLE) {
            ignored(tls.clientCertificate(), "clientCertificate", mode, path, ctx);
            ignored(tls.privateKey(), "privateKey", mode, path, ctx);
            ignored(tls.caCertificates(), "caCertificates", mode, path, ctx);
            ignored(tls.caCrl(), "caCrl", mode, path, ctx);
            ignored(tls.sni(), "sni", mode, path, ctx);
            if (!tls.subjectAltNames().isEmpty()) {
                ignored("x", "subjectAltNames", mode, path, ctx);
            }
        }
    }

    private static void ignored(String value, String field, TLSmode mode, String path, ValidationContext ctx) {
        if (notEmpty(value)) {
            ctx.warning(path + "." + field, field + " is ignored when mode is " + mode);
        }
    }

    private static boolean notEmpty(String s) {
        return s != null && !s.isEmpty();
    }
}
