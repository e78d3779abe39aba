package io.proxyless.mesh.cli;

import static io.proxyless.mesh.cli.DecisionJson.duration;
import static io.proxyless.mesh.cli.DecisionJson.map;

import io.proxyless.mesh.api.HTTPDirectResponse;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.loader.ConfigWriter;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.health.OutlierDetector;
import io.proxyless.mesh.runtime.policy.ClusterPolicy;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.registry.MeshService;
import io.proxyless.mesh.runtime.registry.RegistryOptions;
import io.proxyless.mesh.runtime.registry.ServicePortSpec;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.routing.CompiledRoute;
import io.proxyless.mesh.runtime.routing.HostEntry;
import io.proxyless.mesh.runtime.routing.WeightedDestination;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON shape of {@code mesh dump}: what one compiled config snapshot holds for this client — services and
 * their endpoints, the route table of every host, every cluster with its merged DestinationRule policy and health
 * state, and the doubtful config found on the way. Like Envoy's config dump, it shows what is in force, after
 * defaults, merges and visibility rules, not what was written.
 */
final class SnapshotJson {
    private SnapshotJson() {
    }

    /**
     * @param snapshot the compiled config
     * @param source   where the config came from, e.g. {@code {"type": "file", "paths": [...]}}
     */
    static Map<String, Object> describe(CompiledMesh snapshot, Map<String, Object> source) {
        RegistryOptions client = snapshot.registry().options();
        return map(
                "source", source,
                "client", map("namespace", client.clientNamespace(), "sourceLabels", new TreeMap<>(client.clientLabels()),
                        "domainSuffix", client.domainSuffix(),
                        "sidecar", snapshot.registry().sidecar().orElse(null)),
                "outboundTrafficPolicy", snapshot.outboundTrafficPolicy().name(),
                "services", snapshot.registry().services().stream().map(SnapshotJson::service).toList(),
                "routeTables", snapshot.hosts().stream().map(SnapshotJson::routeTable).toList(),
                "clusters", snapshot.clusters().values().stream().sorted(Comparator.comparing(Cluster::key))
                        .map(SnapshotJson::cluster).toList(),
                "problems", snapshot.config().warnings().stream().map(Problem::format).toList(),
                "warnings", snapshot.warnings());
    }

    private static Map<String, Object> service(MeshService s) {
        List<Object> endpoints = new ArrayList<>();
        for (Integer port : s.endpointTable().ports()) {
            for (Endpoint e : s.endpoints(port)) {
                Map<String, Object> json = map("servicePort", port);
                json.putAll(endpoint(e));
                endpoints.add(json);
            }
        }
        return map(
                "host", s.host(),
                "namespace", s.namespace(),
                "source", s.source(),
                "location", s.location().name(),
                "resolution", s.resolution().name(),
                "exportTo", s.exportTo().stream().sorted().toList(),
                "addresses", s.addresses(),
                "subjectAltNames", s.subjectAltNames(),
                "ports", s.ports().stream().map(SnapshotJson::port).toList(),
                "endpoints", endpoints);
    }

    private static Map<String, Object> port(ServicePortSpec p) {
        return map("number", p.number(), "name", p.name(), "protocol", p.protocol(),
                "targetPort", p.targetPort() == 0 ? null : p.targetPort());
    }

    private static Map<String, Object> endpoint(Endpoint e) {
        return map("address", e.address(), "port", e.port(), "labels", new TreeMap<>(e.labels()),
                "locality", e.locality(), "weight", e.weight());
    }

    /** A host's routes; the engine keeps one table per host and a route's {@code port} match picks the port. */
    private static Map<String, Object> routeTable(HostEntry h) {
        Map<String, Object> defaults = new TreeMap<>();
        h.defaultClusters().forEach((port, cluster) -> defaults.put(port.toString(), cluster.key()));
        return map(
                "host", h.host(),
                "ports", h.service() == null ? List.of()
                        : h.service().ports().stream().map(ServicePortSpec::number).toList(),
                "virtualService", h.virtualService(),
                "routes", h.routes().stream().map(SnapshotJson::route).toList(),
                // Used when no VirtualService routes the host: Istio's default route to the service itself.
                "defaultClusters", defaults);
    }

    private static Map<String, Object> route(CompiledRoute r) {
        List<WeightedDestination> all = r.destinations();
        List<Object> destinations = new ArrayList<>();
        for (WeightedDestination d : all) {
            Object clusters;
            if (d.fixedCluster() != null) {
                clusters = d.fixedCluster().key();
            } else {
                // The port comes from the request: one cluster per service port.
                Map<String, Object> byPort = new TreeMap<>();
                d.clusterByPort().forEach((port, c) -> byPort.put(port.toString(), c.key()));
                clusters = byPort.isEmpty() ? null : byPort;
            }
            destinations.add(map("host", d.host(), "subset", d.subset(),
                    "port", d.port() != null ? d.port() : d.fixedCluster() != null ? d.fixedCluster().port() : null,
                    "weight", all.size() == 1 ? 100 : d.weight(),
                    "cluster", clusters, "problem", d.problem()));
        }
        HTTPDirectResponse direct = r.directResponse();
        return map(
                "index", r.index(),
                "name", r.name(),
                "match", r.matchSummary(),
                "action", r.action().jsonName(),
                "destinations", destinations,
                "timeout", duration(r.timeout()),
                // Effective retries for a destination without consistent hashing (with hashing, the same policy
                // minus the previous-hosts predicate).
                "retries", DecisionJson.retries(r.retries(false)),
                "fault", DecisionJson.fault(r.fault()),
                "mirrors", DecisionJson.mirrors(r.mirrors()),
                "headers", ConfigWriter.valueToTree(r.headers()),
                "rewrite", ConfigWriter.valueToTree(r.rewrite()),
                "redirect", ConfigWriter.valueToTree(r.redirect()),
                "directResponse", ConfigWriter.valueToTree(direct));
    }

    private static Map<String, Object> cluster(Cluster c) {
        ClusterPolicy p = c.policy();
        return map(
                "key", c.key(),
                "host", c.host(),
                "subset", c.subset(),
                "port", c.port(),
                "passthrough", c.passthrough(),
                "loadBalancer", c.loadBalancerName(),
                "endpoints", c.endpoints().stream().map(SnapshotJson::endpoint).toList(),
                "localityPriorities", c.priorities() == null ? null : c.priorities().levels().stream()
                        .map(level -> level.stream().map(Endpoint::authority).toList()).toList(),
                "policy", map(
                        "loadBalancer", ConfigWriter.valueToTree(p.loadBalancer()),
                        "connectionPool", ConfigWriter.valueToTree(p.connectionPool()),
                        "outlierDetection", ConfigWriter.valueToTree(p.outlierDetection()),
                        "tls", ConfigWriter.valueToTree(p.tls())),
                "connectionPool", connectionPool(c.pool()),
                "outlierDetection", outlier(c.outlier().snapshot()));
    }

    /** The limits in force; {@link ConnectionPool#UNLIMITED} is Istio's "no limit" (2^32 - 1), shown as is. */
    private static Map<String, Object> connectionPool(ConnectionPool pool) {
        ConnectionPool.Limits l = pool.limits();
        ConnectionPool.Stats s = pool.stats();
        return map(
                "maxConnections", l.maxConnections(),
                "maxPendingRequests", l.maxPendingRequests(),
                "maxRequests", l.maxRequests(),
                "maxRetries", l.maxRetries(),
                "maxRequestsPerConnection", l.maxRequestsPerConnection(),
                "connectTimeout", duration(l.connectTimeout()),
                "idleTimeout", duration(l.idleTimeout()),
                "maxConnectionDuration", duration(l.maxConnectionDuration()),
                "activeRequests", s.activeRequests(),
                "pendingRequests", s.pendingRequests(),
                "activeRetries", s.activeRetries());
    }

    private static Map<String, Object> outlier(OutlierDetector.Snapshot o) {
        if (!o.enabled()) {
            return map("enabled", false);
        }
        OutlierDetector.Settings s = o.settings();
        return map(
                "enabled", true,
                "consecutive5xxErrors", s.consecutive5xxErrors(),
                "consecutiveGatewayErrors", s.consecutiveGatewayErrors(),
                "splitExternalLocalOriginErrors", s.splitExternalLocalOriginErrors(),
                "consecutiveLocalOriginFailures", s.consecutiveLocalOriginFailures(),
                "interval", duration(s.interval()),
                "baseEjectionTime", duration(s.baseEjectionTime()),
                "maxEjectionTime", duration(s.maxEjectionTime()),
                "maxEjectionPercent", s.maxEjectionPercent(),
                "minHealthPercent", s.minHealthPercent(),
                "httpErrorCodes", s.httpErrorCodes().stream().sorted().toList(),
                "endpointCount", o.endpointCount(),
                "ejectedCount", o.ejectedCount(),
                "ejected", o.ejected().stream().map(h -> map(
                        "address", h.endpoint().address(), "port", h.endpoint().port(),
                        "lastEjectionType", h.lastEjectionType() == null ? null : h.lastEjectionType().name(),
                        "timesEjected", h.timesEjected(), "remaining", duration(h.remaining()))).toList());
    }
}
