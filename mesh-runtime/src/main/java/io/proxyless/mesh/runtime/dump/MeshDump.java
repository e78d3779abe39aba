package io.proxyless.mesh.runtime.dump;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableSortedMap;
import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.api.ConnectionPoolSettings;
import io.proxyless.mesh.api.HTTPDirectResponse;
import io.proxyless.mesh.api.HTTPRedirect;
import io.proxyless.mesh.api.HTTPRewrite;
import io.proxyless.mesh.api.Headers;
import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.OutlierDetection;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one compiled config snapshot holds for this client, as Envoy's config dump shows what is in force: the
 * services it can see with their endpoints, the route table of every host, every cluster
 * ({@code outbound|PORT|SUBSET|HOST}) with its merged DestinationRule policy and live health state, and the
 * doubtful config found while loading and compiling. Defaults, merges and visibility rules are already applied;
 * what a config source received before compiling is {@code Mesh.configDump()}.
 *
 * <p>An immutable value taken at one moment: the health parts (ejections, in-flight counts) are read when the
 * dump is made. {@link #toJson()} renders it; an application can serve that on an admin port:
 *
 * <pre>{@code
 * HttpServer admin = HttpServer.create(new InetSocketAddress("127.0.0.1", 15000), 0);
 * admin.createContext("/mesh/dump", exchange -> {
 *     byte[] body = mesh.dump().toJson().getBytes(StandardCharsets.UTF_8);
 *     exchange.getResponseHeaders().set("Content-Type", "application/json");
 *     exchange.sendResponseHeaders(200, body.length);
 *     try (OutputStream out = exchange.getResponseBody()) {
 *         out.write(body);
 *     }
 * });
 * admin.start();
 * }</pre>
 *
 * @param client                the client the snapshot was compiled for
 * @param outboundTrafficPolicy {@code ALLOW_ANY} or {@code REGISTRY_ONLY}, for hosts no service names
 * @param services              every service visible to the client, in registry order
 * @param routeTables           one per host the engine knows, in the engine's order
 * @param clusters              every cluster, sorted by name
 * @param warnings              loading warnings and infos (with file:line) followed by what compiling found
 *                              doubtful (shadowed VirtualServices, unreachable routes, ...)
 */
public record MeshDump(Client client, String outboundTrafficPolicy, List<Service> services,
                       List<RouteTable> routeTables, List<Cluster> clusters, List<Problem> warnings) {

    public MeshDump {
        services = List.copyOf(services);
        routeTables = List.copyOf(routeTables);
        clusters = List.copyOf(clusters);
        warnings = List.copyOf(warnings);
    }

    /** The dump of {@code snapshot}, with the health state of its clusters as it is now. */
    public static MeshDump of(CompiledMesh snapshot) {
        return MeshDumper.dump(snapshot);
    }

    /** Pretty-printed JSON; durations in protobuf JSON form ({@code "1.500s"}), unset values as {@code null}. */
    public String toJson() {
        return DumpJson.write(this);
    }

    /** The JSON of {@link #toJson()} as a tree, to embed the dump in a larger document. */
    public JsonNode toJsonTree() {
        return DumpJson.tree(this);
    }

    /** The cluster named {@code key}, if the snapshot has it. */
    public Optional<Cluster> cluster(String key) {
        return clusters.stream().filter(c -> c.key().equals(key)).findFirst();
    }

    /** The route table of {@code host} (an FQDN), if the snapshot has one. */
    public Optional<RouteTable> routeTable(String host) {
        return routeTables.stream().filter(t -> t.host().equals(host)).findFirst();
    }

    /**
     * The client a snapshot is compiled for: Sidecars, {@code exportTo}, {@code sourceLabels} and short names
     * are read relative to it.
     *
     * @param namespace    the client's namespace
     * @param sourceLabels the client's workload labels
     * @param domainSuffix the cluster domain suffix
     * @param sidecar      {@code namespace/name} of the Sidecar that applies, or null
     */
    public record Client(String namespace, Map<String, String> sourceLabels, String domainSuffix, String sidecar) {
        public Client {
            sourceLabels = ImmutableSortedMap.copyOf(sourceLabels);
        }
    }

    /**
     * A service the client can see.
     *
     * @param host            FQDN (or a wildcard pattern)
     * @param namespace       namespace of its ServiceEntry
     * @param source          {@code namespace/name} of the ServiceEntry (the oldest one if several merged)
     * @param location        {@code MESH_INTERNAL} or {@code MESH_EXTERNAL}
     * @param resolution      {@code STATIC}, {@code DNS}, {@code DNS_ROUND_ROBIN}, {@code NONE}, ...
     * @param exportTo        normalised {@code exportTo}, sorted ({@code *} when public)
     * @param addresses       virtual IPs or CIDRs as written
     * @param subjectAltNames names the server certificate must carry one of
     * @param ports           the ports the client can use
     * @param endpoints       endpoints per service port
     * @param aliases         the hosts of the Kubernetes {@code ExternalName} Services the client sees that name this
     *                        service (Istio 1.21+): requests to them are routed as requests to this host
     */
    public record Service(String host, String namespace, String source, String location, String resolution,
                          List<String> exportTo, List<String> addresses, List<String> subjectAltNames,
                          List<Port> ports, List<ServiceEndpoint> endpoints, List<String> aliases) {
        public Service {
            aliases = List.copyOf(aliases);
            exportTo = List.copyOf(exportTo);
            addresses = List.copyOf(addresses);
            subjectAltNames = List.copyOf(subjectAltNames);
            ports = List.copyOf(ports);
            endpoints = List.copyOf(endpoints);
        }
    }

    /**
     * A service port.
     *
     * @param number     the port number clients use
     * @param name       its name
     * @param protocol   its protocol, upper case
     * @param targetPort the port endpoints listen on when it differs and is set, else null
     */
    public record Port(int number, String name, String protocol, Integer targetPort) {
    }

    /**
     * An endpoint of a service.
     *
     * @param servicePort the service port it serves
     * @param address     IP address or host name
     * @param port        the port it listens on
     * @param labels      workload labels (sorted)
     * @param locality    {@code region/zone/subzone}, or empty
     * @param weight      load-balancing weight
     */
    public record ServiceEndpoint(int servicePort, String address, int port, Map<String, String> labels,
                                  String locality, int weight) {
        public ServiceEndpoint {
            labels = ImmutableSortedMap.copyOf(labels);
        }
    }

    /**
     * The routes of one host on one port: a service with several ports has a table per port, as its routes may
     * differ by port (a VirtualService's {@code match.port}).
     *
     * @param host            FQDN (or wildcard pattern)
     * @param port            the port these routes serve requests on, or null for a host routed on any port only
     *                        (no service port of its own)
     * @param ports           the service's ports, all of them; empty for a host with no service
     * @param virtualService  {@code namespace/name} of the VirtualService that owns the host, or null
     * @param routes          its routes in the order they are tried
     * @param defaultClusters used when no VirtualService routes the host (Istio's default route to the service
     *                        itself): cluster name per service port ({@code port}'s alone when there is one)
     */
    public record RouteTable(String host, Integer port, List<Integer> ports, String virtualService,
                             List<Route> routes, Map<Integer, String> defaultClusters) {
        public RouteTable {
            ports = List.copyOf(ports);
            routes = List.copyOf(routes);
            defaultClusters = ImmutableSortedMap.copyOf(defaultClusters);
        }
    }

    /**
     * One HTTP route.
     *
     * @param index          position in the VirtualService's {@code http} list
     * @param name           the route's name, or null
     * @param match          one summary per match block ({@code uri prefix /api, header end-user=jason}); empty
     *                       matches everything
     * @param action         {@code forward}, {@code redirect}, {@code directResponse} or {@code reject}
     * @param destinations   the weighted destinations with their clusters
     * @param timeout        the route timeout, or null (none)
     * @param retries        the retry policy in force for a destination without consistent hashing (with hashing,
     *                       the same minus the previous-hosts predicate)
     * @param fault          fault injection, or null
     * @param mirrors        traffic mirrors
     * @param headers        header operations as written, or null
     * @param rewrite        the rewrite, or null
     * @param redirect       the redirect, or null
     * @param directResponse the direct response, or null
     */
    public record Route(int index, String name, List<String> match, String action, List<Destination> destinations,
                        Duration timeout, Retries retries, Fault fault, List<Mirror> mirrors, Headers headers,
                        HTTPRewrite rewrite, HTTPRedirect redirect, HTTPDirectResponse directResponse) {
        public Route {
            match = List.copyOf(match);
            destinations = List.copyOf(destinations);
            mirrors = List.copyOf(mirrors);
        }
    }

    /**
     * A weighted destination of a route.
     *
     * @param host           destination host (FQDN)
     * @param subset         subset, or null
     * @param port           destination port: explicit, or the cluster's; null when the request's port decides
     * @param weight         weight as written (100 for a single destination)
     * @param cluster        the cluster, when it does not depend on the request's port; else null
     * @param clusterByPort  the cluster per request port, when the request's port decides; else empty
     * @param problem        why there is no cluster (unknown host or subset), or null
     */
    public record Destination(String host, String subset, Integer port, int weight, String cluster,
                              Map<Integer, String> clusterByPort, String problem) {
        public Destination {
            clusterByPort = ImmutableSortedMap.copyOf(clusterByPort);
        }
    }

    /**
     * A retry policy in force.
     *
     * @param attempts      retries after the first try
     * @param perTryTimeout timeout of each try, or null (the route timeout bounds them)
     * @param retryOn       the retry conditions, comma-separated as in Istio
     */
    public record Retries(int attempts, Duration perTryTimeout, String retryOn) {
    }

    /**
     * Fault injection.
     *
     * @param delay a delay, or null
     * @param abort an abort, or null
     */
    public record Fault(Delay delay, Abort abort) {
    }

    /**
     * An injected delay.
     *
     * @param fixedDelay the delay
     * @param percentage share of requests delayed, 0-100
     */
    public record Delay(Duration fixedDelay, double percentage) {
    }

    /**
     * An injected abort.
     *
     * @param httpStatus the HTTP status, or null
     * @param grpcStatus the gRPC status name, or null
     * @param percentage share of requests aborted, 0-100
     */
    public record Abort(Integer httpStatus, String grpcStatus, double percentage) {
    }

    /**
     * A traffic mirror.
     *
     * @param host       mirror host (FQDN)
     * @param subset     subset, or null
     * @param port       port, or null when the request's port decides
     * @param percentage share of requests mirrored, 0-100
     * @param cluster    the mirror's cluster, or null when unknown or decided by the request's port
     */
    public record Mirror(String host, String subset, Integer port, double percentage, String cluster) {
    }

    /**
     * One cluster, named like Istio's {@code outbound|PORT|SUBSET|HOST}.
     *
     * @param key                Istio's cluster name
     * @param host               service host
     * @param subset             subset, or null
     * @param port               service port
     * @param passthrough        true when calls go to the address the client asked for ({@code resolution: NONE},
     *                           unknown hosts under {@code ALLOW_ANY})
     * @param loadBalancer       the balancer in force: ROUND_ROBIN, LEAST_REQUEST, RANDOM, PASSTHROUGH, RING_HASH,
     *                           MAGLEV
     * @param endpoints          the cluster's endpoints with their health
     * @param localityPriorities locality priority levels, nearest first ({@code address:port} each), or null when
     *                           all endpoints share one level
     * @param policy             the merged DestinationRule policy
     * @param connectionPool     the circuit-breaker limits in force and current counts
     * @param outlierDetection   the outlier detector's settings and state
     */
    public record Cluster(String key, String host, String subset, int port, boolean passthrough, String loadBalancer,
                          List<ClusterEndpoint> endpoints, List<List<String>> localityPriorities, Policy policy,
                          ConnectionPool connectionPool, Outliers outlierDetection) {
        public Cluster {
            endpoints = List.copyOf(endpoints);
            localityPriorities = localityPriorities == null ? null
                    : localityPriorities.stream().map(List::copyOf).toList();
        }
    }

    /**
     * An endpoint of a cluster with its health.
     *
     * @param address  IP address or host name
     * @param port     the port it listens on
     * @param labels   workload labels (sorted)
     * @param locality {@code region/zone/subzone}, or empty
     * @param weight   load-balancing weight
     * @param ejected  true while outlier detection keeps it out of load balancing
     * @param inFlight attempts sent to it and not yet finished (0 for passthrough clusters, which do not count)
     * @param tlsMode  the TLS this endpoint gets, as Istio's {@code ClientTLSSettings.TLSmode} (a DestinationRule's
     *                 {@code tls}, or auto mTLS per endpoint: {@code ISTIO_MUTUAL} to endpoints labelled
     *                 {@code security.istio.io/tlsMode: istio}, {@code DISABLE} to the others); null for
     *                 passthrough clusters, where the application's own scheme decides
     */
    public record ClusterEndpoint(String address, int port, Map<String, String> labels, String locality, int weight,
                                  boolean ejected, int inFlight, String tlsMode) {
        public ClusterEndpoint {
            labels = ImmutableSortedMap.copyOf(labels);
        }
    }

    /**
     * A cluster's DestinationRule policy after Istio's merge (top level, then port level, then subset), in
     * Istio's field names; null blocks are not set by any rule.
     *
     * @param loadBalancer     {@code loadBalancer}
     * @param connectionPool   {@code connectionPool}
     * @param outlierDetection {@code outlierDetection}
     * @param tls              {@code tls} (its {@code mode} is the TLS mode in force)
     */
    public record Policy(LoadBalancerSettings loadBalancer, ConnectionPoolSettings connectionPool,
                         OutlierDetection outlierDetection, ClientTLSSettings tls) {
    }

    /**
     * The circuit breaker: limits in force ({@code 4294967295}, 2^32 - 1, is Istio's "no limit") and counts now.
     *
     * @param maxConnections           {@code tcp.maxConnections}
     * @param maxPendingRequests       {@code http.http1MaxPendingRequests}
     * @param maxRequests              {@code http.http2MaxRequests}
     * @param maxRetries               {@code http.maxRetries}
     * @param maxRequestsPerConnection {@code http.maxRequestsPerConnection}
     * @param connectTimeout           {@code tcp.connectTimeout}
     * @param idleTimeout              {@code http.idleTimeout}, or null
     * @param maxConnectionDuration    {@code tcp.maxConnectionDuration}, or null
     * @param activeRequests           requests in flight
     * @param pendingRequests          requests waiting for a connection
     * @param activeRetries            retries in flight
     */
    public record ConnectionPool(long maxConnections, long maxPendingRequests, long maxRequests, long maxRetries,
                                 long maxRequestsPerConnection, Duration connectTimeout, Duration idleTimeout,
                                 Duration maxConnectionDuration, long activeRequests, long pendingRequests,
                                 long activeRetries) {
    }

    /**
     * Outlier detection: the settings in force and the endpoints ejected now. When detection is off only
     * {@code enabled: false} is written.
     *
     * @param enabled                        false when the cluster has no outlier detection
     * @param consecutive5xxErrors           threshold, or null when disabled
     * @param consecutiveGatewayErrors       threshold, or null when disabled
     * @param splitExternalLocalOriginErrors whether local-origin failures are counted apart, or null
     * @param consecutiveLocalOriginFailures threshold, or null when disabled
     * @param interval                       the ejection sweep interval, or null
     * @param baseEjectionTime               the base ejection time, or null
     * @param maxEjectionTime                the maximum ejection time, or null
     * @param maxEjectionPercent             at most this share of endpoints ejected, or null
     * @param minHealthPercent               below this share of healthy endpoints detection pauses, or null
     * @param httpErrorCodes                 statuses that count as errors (empty: all 5xx), or null
     * @param endpointCount                  endpoints the ejection percentage is computed against, or null
     * @param ejectedCount                   endpoints ejected now, or null
     * @param ejected                        the ejected endpoints, or null
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Outliers(boolean enabled, Integer consecutive5xxErrors, Integer consecutiveGatewayErrors,
                           Boolean splitExternalLocalOriginErrors, Integer consecutiveLocalOriginFailures,
                           Duration interval, Duration baseEjectionTime, Duration maxEjectionTime,
                           Integer maxEjectionPercent, Integer minHealthPercent, List<Integer> httpErrorCodes,
                           Integer endpointCount, Integer ejectedCount, List<Ejection> ejected) {
        static final Outliers DISABLED = new Outliers(false, null, null, null, null, null, null, null, null, null,
                null, null, null, null);
    }

    /**
     * An endpoint outlier detection has ejected.
     *
     * @param address          its address
     * @param port             its port
     * @param lastEjectionType why it was ejected ({@code CONSECUTIVE_5XX}, ...), or null
     * @param timesEjected     ejections since the detector first saw it
     * @param remaining        time until it returns to load balancing
     */
    public record Ejection(String address, int port, String lastEjectionType, int timesEjected, Duration remaining) {
    }
}
