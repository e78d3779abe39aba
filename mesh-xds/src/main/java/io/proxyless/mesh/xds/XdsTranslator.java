package io.proxyless.mesh.xds;

import com.google.common.net.InetAddresses;
import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.HTTPRouteDestination;
import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.LoadBalancerSettings.ConsistentHashLB;
import io.proxyless.mesh.api.LocalityLoadBalancerSetting;
import io.proxyless.mesh.api.Metadata;
import io.proxyless.mesh.api.OutboundTrafficPolicy;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.ServiceEntry;
import io.proxyless.mesh.api.ServicePort;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.api.Sidecar;
import io.proxyless.mesh.api.Subset;
import io.proxyless.mesh.api.TrafficPolicy;
import io.proxyless.mesh.api.VirtualService;
import io.proxyless.mesh.api.WorkloadEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns the parsed xDS resources in force into Istio resources for the engine, so that xDS mode and file mode
 * decide through the same code:
 * <ul>
 *   <li>virtual hosts → one VirtualService per host. Proxyless shape: the host of each {@code host:port}
 *       listener, with the virtual host of its route configuration that matches that authority. Sidecar shape:
 *       each virtual host of each route configuration (named by port), its domains reduced to the canonical
 *       names (Kubernetes short forms and {@code :port} variants dropped: the engine derives them). When one host
 *       has different routes on different ports, each route gets a {@code port} match;</li>
 *   <li>clusters {@code outbound|PORT|SUBSET|HOST} → a ServiceEntry for HOST with port PORT and the endpoints of
 *       all its clusters; each subset cluster's endpoints carry the label {@code xds.subset/SUBSET: "true"}, and
 *       a DestinationRule defines subset SUBSET by that label. Each cluster's policy becomes a
 *       {@code portLevelSettings} entry (of the top level for the default cluster, of the subset otherwise), so
 *       Istio's merge gives each cluster exactly its own policy back;</li>
 *   <li>istiod's {@code block_all} virtual host → a Sidecar with {@code outboundTrafficPolicy: REGISTRY_ONLY}.</li>
 * </ul>
 * Pure: same input, same output, in a stable order.
 */
final class XdsTranslator {
    /** Label key prefix that marks the endpoints of a subset cluster. */
    static final String SUBSET_LABEL_PREFIX = "xds.subset/";
    private static final String DEFAULT_ROUTE_NAME = "default";

    private XdsTranslator() {
    }

    /** What is in force, by resource name. */
    record Inputs(Map<String, XdsListener> listeners, Map<String, XdsRouteConfig> routes,
                  Map<String, XdsCluster> clusters, Map<String, XdsEndpoints> endpoints) {
    }

    /** The translated resources and what the translation found doubtful. */
    record Output(List<Resource<?>> resources, List<Problem> warnings) {
    }

    /**
     * @param proxyless the proxyless gRPC shape (listeners name the hosts) rather than the sidecar shape
     * @param namespace the client's namespace: generated resources live there
     */
    static Output translate(Inputs in, boolean proxyless, String namespace) {
        List<Problem> warnings = new ArrayList<>();
        List<Resource<?>> out = new ArrayList<>();
        List<RouteTable> tables = proxyless ? proxylessTables(in, warnings) : sidecarTables(in, namespace, out,
                warnings);
        Map<String, ConsistentHashLB> hashByCluster = new LinkedHashMap<>();
        for (RouteTable t : tables) {
            for (XdsRouteConfig.Route r : t.routes()) {
                if (r.hashPolicy() != null) {
                    for (String c : r.clusters()) {
                        hashByCluster.putIfAbsent(c, r.hashPolicy());
                    }
                }
            }
        }
        out.addAll(virtualServices(tables, namespace));
        services(in, namespace, hashByCluster, out, warnings);
        return new Output(out, warnings);
    }

    /** Routes for one host on one port (port null: any). */
    private record RouteTable(String host, Integer port, List<XdsRouteConfig.Route> routes, String serviceHost) {
        RouteTable(String host, Integer port, List<XdsRouteConfig.Route> routes) {
            this(host, port, routes, host);
        }
    }

    // ---- Route tables ----

    private static List<RouteTable> proxylessTables(Inputs in, List<Problem> warnings) {
        List<RouteTable> tables = new ArrayList<>();
        for (XdsListener l : new TreeMap<>(in.listeners()).values()) {
            XdsRouteConfig rc = l.inlineRoutes() != null ? l.inlineRoutes() : in.routes().get(l.routeConfigName());
            if (rc == null) {
                continue; // not received (yet), or does not exist: no routes for this host
            }
            XdsRouteConfig.VirtualHost vh = selectVirtualHost(rc.virtualHosts(), l.host(), l.port());
            if (vh == null) {
                warnings.add(warning("LDS", l.name(), "", "route configuration " + rc.name() + " has no virtual host"
                        + " for " + l.name() + "; calls to it find no route"));
                tables.add(new RouteTable(l.host(), l.port(), List.of()));
                continue;
            }
            List<XdsRouteConfig.Route> routes = new ArrayList<>();
            for (XdsRouteConfig.Route r : vh.routes()) {
                XdsRouteConfig.Route adjusted = r;
                if (!r.timeoutSet() && l.defaultStreamDuration() != null) {
                    adjusted = adjusted.withTimeout(l.defaultStreamDuration());
                }
                // Envoy and gRPC apply per-route fault configs only when the fault filter is in the chain.
                if (!l.faultFilter() && adjusted.route().fault() != null) {
                    adjusted = adjusted.withRoute(adjusted.route().withFault(null));
                } else if (!r.faultSet() && l.defaultFault() != null) {
                    adjusted = adjusted.withRoute(adjusted.route().withFault(l.defaultFault()));
                }
                routes.add(adjusted);
            }
            tables.add(new RouteTable(l.host(), l.port(), routes));
        }
        return tables;
    }

    private static List<RouteTable> sidecarTables(Inputs in, String namespace, List<Resource<?>> out,
                                                  List<Problem> warnings) {
        List<RouteTable> tables = new ArrayList<>();
        boolean registryOnly = false;
        for (XdsRouteConfig rc : new TreeMap<>(in.routes()).values()) {
            Integer port = HostPort.isPort(rc.name()) ? Integer.valueOf(rc.name()) : HostPort.port(rc.name());
            for (int i = 0; i < rc.virtualHosts().size(); i++) {
                XdsRouteConfig.VirtualHost vh = rc.virtualHosts().get(i);
                if (vh.domains().contains("*")) {
                    // istiod's catch-all: allow_any forwards to PassthroughCluster (the engine's own default),
                    // block_all answers 502 (REGISTRY_ONLY).
                    if (isBlockAll(vh)) {
                        registryOnly = true;
                    } else if (!isAllowAny(vh)) {
                        warnings.add(warning("RDS", rc.name(), "virtual_hosts[" + i + "].domains",
                                "a \"*\" domain other than istiod's allow_any/block_all is not supported; virtual host "
                                        + vh.name() + " ignored"));
                    }
                    continue;
                }
                List<String> hosts = canonicalHosts(vh.domains());
                // A service's address (VIP) is one of its names: istiod's default route for it is still the default.
                String service = hosts.stream().filter(h -> !InetAddresses.isInetAddress(h)).findFirst()
                        .orElse(hosts.isEmpty() ? null : hosts.get(0));
                for (String host : hosts) {
                    tables.add(new RouteTable(host, port, vh.routes(), service));
                }
            }
        }
        if (registryOnly) {
            out.add(new Resource<>(ResourceKind.SIDECAR, null, Metadata.of("xds-outbound-traffic-policy", namespace),
                    Sidecar.of(null, List.of(), OutboundTrafficPolicy.of(OutboundTrafficPolicy.Mode.REGISTRY_ONLY)),
                    null));
        }
        return tables;
    }

    private static boolean isBlockAll(XdsRouteConfig.VirtualHost vh) {
        return vh.routes().size() == 1 && vh.routes().get(0).route().directResponse() != null
                && Objects.equals(vh.routes().get(0).route().directResponse().status(), 502);
    }

    private static boolean isAllowAny(XdsRouteConfig.VirtualHost vh) {
        return vh.routes().stream().allMatch(r -> r.clusters().stream().allMatch(c -> c.equals("PassthroughCluster")));
    }

    /**
     * The names of a virtual host the engine needs: ports dropped, absolute-name dots dropped, and Kubernetes
     * short forms ({@code reviews}, {@code reviews.default}, {@code reviews.default.svc}) of a longer name in the
     * same list dropped, because the engine derives them from the full name for the client's namespace.
     */
    static List<String> canonicalHosts(List<String> domains) {
        Set<String> names = new LinkedHashSet<>();
        for (String d : domains) {
            String h = HostPort.host(d);
            if (!h.isEmpty()) {
                names.add(h);
            }
        }
        List<String> out = new ArrayList<>();
        for (String n : names) {
            boolean shortForm = !InetAddresses.isInetAddress(n) && !n.startsWith("*")
                    && names.stream().anyMatch(o -> o.length() > n.length() && o.startsWith(n + "."));
            if (!shortForm && !n.endsWith("*")) {
                out.add(n);
            }
        }
        return out;
    }

    /** Envoy's virtual host selection: exact domain, then longest suffix wildcard, then prefix wildcard, then *. */
    static XdsRouteConfig.VirtualHost selectVirtualHost(List<XdsRouteConfig.VirtualHost> hosts, String host,
                                                        Integer port) {
        List<String> authorities = port == null ? List.of(host) : List.of(host + ":" + port, host);
        for (String authority : authorities) {
            for (XdsRouteConfig.VirtualHost vh : hosts) {
                if (vh.domains().stream().anyMatch(d -> d.equalsIgnoreCase(authority))) {
                    return vh;
                }
            }
        }
        XdsRouteConfig.VirtualHost best = null;
        int bestLength = -1;
        for (String authority : authorities) {
            for (XdsRouteConfig.VirtualHost vh : hosts) {
                for (String d : vh.domains()) {
                    String lower = d.toLowerCase(java.util.Locale.ROOT);
                    boolean suffix = lower.startsWith("*") && lower.length() > 1
                            && authority.endsWith(lower.substring(1)) && authority.length() > lower.length() - 1;
                    boolean prefix = lower.endsWith("*") && lower.length() > 1
                            && authority.startsWith(lower.substring(0, lower.length() - 1));
                    if ((suffix || prefix) && lower.length() > bestLength) {
                        best = vh;
                        bestLength = lower.length();
                    }
                }
            }
            if (best != null) {
                return best;
            }
        }
        for (XdsRouteConfig.VirtualHost vh : hosts) {
            if (vh.domains().contains("*")) {
                return vh;
            }
        }
        return null;
    }

    // ---- VirtualServices ----

    private static List<Resource<?>> virtualServices(List<RouteTable> tables, String namespace) {
        Map<String, List<RouteTable>> byHost = new TreeMap<>();
        for (RouteTable t : tables) {
            byHost.computeIfAbsent(t.host(), k -> new ArrayList<>()).add(t);
        }
        List<Resource<?>> out = new ArrayList<>();
        for (Map.Entry<String, List<RouteTable>> e : byHost.entrySet()) {
            String host = e.getKey();
            List<RouteTable> perPort = e.getValue();
            if (perPort.stream().allMatch(t -> isIstioDefaultRoute(t.serviceHost(), t.routes()))) {
                continue; // no VirtualService: istiod's default route is what the engine does without one
            }
            boolean samePerPort = perPort.stream().allMatch(t -> t.routes().equals(perPort.get(0).routes()));
            List<HTTPRoute> http = new ArrayList<>();
            Set<String> configs = new LinkedHashSet<>();
            for (RouteTable t : samePerPort ? perPort.subList(0, 1) : perPort) {
                for (XdsRouteConfig.Route r : t.routes()) {
                    configs.add(String.valueOf(r.istioConfig()));
                    http.add(samePerPort || t.port() == null ? r.route() : withPort(r.route(), t.port()));
                }
            }
            // Name it after the VirtualService istiod built it from, so decisions name the same resource as in
            // file mode; short names only resolve in the client's namespace.
            String name = "xds-" + host.replace('*', '_');
            String ns = namespace;
            if (configs.size() == 1 && !configs.contains("null")) {
                String[] key = configs.iterator().next().split("/", 2);
                name = key[1];
                ns = host.indexOf('.') >= 0 ? key[0] : namespace;
            }
            out.add(new Resource<>(ResourceKind.VIRTUAL_SERVICE, null, Metadata.of(name, ns),
                    VirtualService.of(List.of(host), http), null));
        }
        return out;
    }

    private static HTTPRoute withPort(HTTPRoute r, int port) {
        List<HTTPMatchRequest> match = new ArrayList<>();
        if (r.match().isEmpty()) {
            match.add(new HTTPMatchRequest(null, null, null, null, null, Map.of(), port, Map.of(), List.of(),
                    Map.of(), null, Map.of(), null, null));
        }
        for (HTTPMatchRequest m : r.match()) {
            match.add(new HTTPMatchRequest(m.name(), m.uri(), m.scheme(), m.method(), m.authority(), m.headers(), port,
                    m.sourceLabels(), m.gateways(), m.queryParams(), m.ignoreUriCase(), m.withoutHeaders(),
                    m.sourceNamespace(), m.statPrefix()));
        }
        return RouteConfigParser.withMatch(r, match);
    }

    /**
     * istiod's route for a service no VirtualService routes: named {@code default}, all paths, to the host's own
     * default cluster, with Istio's default retries and no timeout.
     */
    private static boolean isIstioDefaultRoute(String host, List<XdsRouteConfig.Route> routes) {
        if (routes.size() != 1) {
            return false;
        }
        HTTPRoute r = routes.get(0).route();
        if (!DEFAULT_ROUTE_NAME.equals(r.name()) || !r.match().isEmpty() || r.route().size() != 1
                || r.redirect() != null || r.directResponse() != null || r.fault() != null || !r.mirrors().isEmpty()
                || r.rewrite() != null || r.headers() != null || r.retries() != null || r.timeout() != null) {
            return false;
        }
        HTTPRouteDestination d = r.route().get(0);
        ClusterName c = ClusterName.parse(routes.get(0).clusters().get(0));
        return d.headers() == null && c.subset() == null && c.host().equals(host);
    }

    // ---- ServiceEntries and DestinationRules ----

    private static void services(Inputs in, String namespace, Map<String, ConsistentHashLB> hashByCluster,
                                 List<Resource<?>> out, List<Problem> warnings) {
        Map<String, List<XdsCluster>> byHost = new TreeMap<>();
        for (XdsCluster c : new TreeMap<>(in.clusters()).values()) {
            if (c.id().special()) {
                continue;
            }
            byHost.computeIfAbsent(c.id().host(), k -> new ArrayList<>()).add(c);
        }
        for (Map.Entry<String, List<XdsCluster>> e : byHost.entrySet()) {
            String host = e.getKey();
            List<XdsCluster> clusters = new ArrayList<>(e.getValue());
            // The default cluster of each port first: its endpoint attributes win over a subset's.
            clusters.sort(Comparator.comparing((XdsCluster c) -> c.id().subset() != null)
                    .thenComparing(c -> Objects.requireNonNullElse(c.id().subset(), ""))
                    .thenComparingInt(c -> c.id().port()));
            Set<Integer> ports = new java.util.TreeSet<>();
            clusters.forEach(c -> ports.add(c.id().port()));
            List<ServicePort> servicePorts = ports.stream()
                    .map(p -> new ServicePort(p, "HTTP", portName(p), null)).toList();

            XdsCluster primary = clusters.get(0);
            ServiceEntry.Resolution resolution = switch (primary.discovery()) {
                case STRICT_DNS -> ServiceEntry.Resolution.DNS;
                case LOGICAL_DNS -> ServiceEntry.Resolution.DNS_ROUND_ROBIN;
                case ORIGINAL_DST -> ServiceEntry.Resolution.NONE;
                default -> ServiceEntry.Resolution.STATIC;
            };
            Map<String, WorkloadBuilder> workloads = new LinkedHashMap<>();
            Map<String, Map<Integer, TrafficPolicy.PortTrafficPolicy>> subsetPolicies = new TreeMap<>();
            Map<Integer, TrafficPolicy.PortTrafficPolicy> topPolicies = new TreeMap<>();
            TrafficPolicy.RetryBudget budget = null;
            for (XdsCluster c : clusters) {
                XdsEndpoints eps = c.discovery() == XdsCluster.Discovery.EDS ? in.endpoints().get(c.edsServiceName())
                        : c.inlineEndpoints();
                String subset = c.id().subset();
                List<XdsEndpoints.LbEndpoint> endpoints = eps == null ? List.of()
                        : inForce(eps.endpoints(), c.outlierDetection() != null);
                for (XdsEndpoints.LbEndpoint ep : endpoints) {
                    String key = c.id().port() + "|" + ep.address() + "|" + ep.port();
                    WorkloadBuilder w = workloads.computeIfAbsent(key, k -> new WorkloadBuilder(ep, c.id().port()));
                    if (subset != null) {
                        w.labels.put(SUBSET_LABEL_PREFIX + subset, "true");
                    }
                }
                TrafficPolicy.PortTrafficPolicy policy = clusterPolicy(c, eps, hashByCluster.get(c.name()));
                if (subset == null) {
                    if (policy != null) {
                        topPolicies.put(c.id().port(), policy);
                    }
                    if (c.retryBudget() != null) {
                        budget = c.retryBudget();
                    }
                } else {
                    Map<Integer, TrafficPolicy.PortTrafficPolicy> sp = subsetPolicies.computeIfAbsent(subset,
                            k -> new TreeMap<>());
                    if (policy != null) {
                        sp.put(c.id().port(), policy);
                    }
                }
            }
            String name = "xds-" + host;
            // A WorkloadEntry is an endpoint of every port of its ServiceEntry, so a host whose clusters differ by
            // port gets one ServiceEntry per port; the registry merges them back into one service.
            for (ServicePort sp : servicePorts) {
                List<WorkloadEntry> entries = resolution == ServiceEntry.Resolution.NONE ? List.of()
                        : workloads.values().stream().filter(w -> w.servicePort == sp.number())
                        .map(WorkloadBuilder::build).toList();
                out.add(new Resource<>(ResourceKind.SERVICE_ENTRY, null,
                        Metadata.of(servicePorts.size() == 1 ? name : name + "-" + sp.number(), namespace),
                        new ServiceEntry(List.of(host), List.of(), List.of(sp), ServiceEntry.Location.MESH_INTERNAL,
                                resolution, entries, null, List.of(), List.of()), null));
            }
            if (topPolicies.isEmpty() && subsetPolicies.isEmpty() && budget == null) {
                continue;
            }
            List<Subset> subsets = new ArrayList<>();
            subsetPolicies.forEach((s, byPort) -> subsets.add(new Subset(s, Map.of(SUBSET_LABEL_PREFIX + s, "true"),
                    byPort.isEmpty() ? null : portLevel(byPort, null))));
            TrafficPolicy top = topPolicies.isEmpty() && budget == null ? null : portLevel(topPolicies, budget);
            // The host as the ServiceEntry has it; a dot-less name cannot carry a DestinationRule policy in Istio
            // (a short name expands into the rule's namespace), so it keeps the trailing dot that prevents that.
            String drHost = host.indexOf('.') < 0 ? host + "." : host;
            out.add(new Resource<>(ResourceKind.DESTINATION_RULE, null, Metadata.of(name, namespace),
                    DestinationRule.of(drHost, top, subsets), null));
            if (host.indexOf('.') < 0 && top != null) {
                warnings.add(warning("CDS", primary.name(), "", "the cluster name has no dot, so the engine cannot"
                        + " attach its policy (a DestinationRule host without a dot is a Kubernetes short name)"));
            }
        }
    }

    private static TrafficPolicy portLevel(Map<Integer, TrafficPolicy.PortTrafficPolicy> byPort,
                                           TrafficPolicy.RetryBudget budget) {
        return new TrafficPolicy(null, null, null, null, List.copyOf(byPort.values()), null, null, budget);
    }

    /**
     * Envoy sends all traffic to the highest priority that has healthy endpoints. Without outlier detection
     * nothing ever marks an endpoint unhealthy, so only that priority is used; with it, the engine's locality
     * failover (Istio's, computed from the endpoints' localities) takes over.
     */
    private static List<XdsEndpoints.LbEndpoint> inForce(List<XdsEndpoints.LbEndpoint> endpoints,
                                                         boolean outlierDetection) {
        if (outlierDetection || endpoints.isEmpty()) {
            return endpoints;
        }
        int best = endpoints.stream().mapToInt(XdsEndpoints.LbEndpoint::priority).min().orElse(0);
        return endpoints.stream().filter(e -> e.priority() == best).toList();
    }

    private static TrafficPolicy.PortTrafficPolicy clusterPolicy(XdsCluster c, XdsEndpoints eps,
                                                                 ConsistentHashLB hashKey) {
        LoadBalancerSettings lb = c.loadBalancer();
        if (lb != null && lb.consistentHash() != null && hashKey != null) {
            ConsistentHashLB h = lb.consistentHash();
            lb = new LoadBalancerSettings(lb.simple(), new ConsistentHashLB(hashKey.httpHeaderName(),
                    hashKey.httpCookie(), hashKey.useSourceIp(), hashKey.httpQueryParameterName(), h.ringHash(),
                    h.maglev(), null), lb.localityLbSetting(), null, lb.warmupDurationSecs(), lb.warmup());
        }
        if (c.localityWeighted() && eps != null && !eps.localityWeights().isEmpty()) {
            LocalityLoadBalancerSetting distribute = new LocalityLoadBalancerSetting(
                    List.of(new LocalityLoadBalancerSetting.Distribute("*", percentages(eps.localityWeights()))),
                    List.of(), List.of(), null);
            lb = lb == null ? new LoadBalancerSettings(null, null, distribute, null, null, null)
                    : new LoadBalancerSettings(lb.simple(), lb.consistentHash(), distribute, null,
                    lb.warmupDurationSecs(), lb.warmup());
        }
        XdsCluster withLb = new XdsCluster(c.id(), c.discovery(), c.edsServiceName(), lb, c.connectionPool(),
                c.outlierDetection(), c.tls(), c.retryBudget(), c.localityWeighted(), c.inlineEndpoints());
        return withLb.portPolicy();
    }

    /** Locality weights as whole percentages summing to 100 (the remainder goes to the largest). */
    static Map<String, Integer> percentages(Map<String, Integer> weights) {
        long total = weights.values().stream().mapToLong(Integer::longValue).sum();
        Map<String, Integer> out = new TreeMap<>();
        if (total == 0) {
            return out;
        }
        int sum = 0;
        String largest = null;
        for (Map.Entry<String, Integer> e : new TreeMap<>(weights).entrySet()) {
            int pct = (int) (e.getValue() * 100L / total);
            out.put(e.getKey().isEmpty() ? "*" : e.getKey() + (e.getKey().split("/").length < 3 ? "/*" : ""), pct);
            sum += pct;
            if (largest == null || e.getValue() > weights.get(largest)) {
                largest = e.getKey();
            }
        }
        String key = largest.isEmpty() ? "*" : largest + (largest.split("/").length < 3 ? "/*" : "");
        out.merge(key, 100 - sum, Integer::sum);
        return out;
    }

    static String portName(int port) {
        return "xds-" + port;
    }

    static Problem warning(String type, String name, String path, String message) {
        return new Problem(Severity.WARNING, null, 0, type, null, name, path, message);
    }

    /** One endpoint of one service port, gathering the subset labels of every cluster it is in. */
    private static final class WorkloadBuilder {
        final XdsEndpoints.LbEndpoint endpoint;
        final int servicePort;
        final Map<String, String> labels = new TreeMap<>();

        WorkloadBuilder(XdsEndpoints.LbEndpoint endpoint, int servicePort) {
            this.endpoint = endpoint;
            this.servicePort = servicePort;
            labels.putAll(endpoint.labels());
        }

        WorkloadEntry build() {
            return new WorkloadEntry(endpoint.address(), Map.of(portName(servicePort), endpoint.port()), labels, null,
                    endpoint.locality().isEmpty() ? null : endpoint.locality(), endpoint.weight(), null);
        }
    }
}
