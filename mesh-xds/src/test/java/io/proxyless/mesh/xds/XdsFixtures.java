package io.proxyless.mesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Decorator;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * xDS resources shaped the way istiod builds them (for a sidecar, or for a proxyless gRPC node) for the Bookinfo
 * fixture of the engine's tests: reviews v1/v2/v3 (10.0.0.1-3) and ratings v1 (10.0.1.1), all on port 9080.
 */
final class XdsFixtures {
    static final String NS = "default";
    static final int PORT = 9080;
    static final Map<String, Map<String, String>> BOOKINFO = new LinkedHashMap<>();

    static {
        BOOKINFO.put("reviews", new LinkedHashMap<>(Map.of()));
        BOOKINFO.get("reviews").put("v1", "10.0.0.1");
        BOOKINFO.get("reviews").put("v2", "10.0.0.2");
        BOOKINFO.get("reviews").put("v3", "10.0.0.3");
        BOOKINFO.put("ratings", new LinkedHashMap<>(Map.of("v1", "10.0.1.1")));
    }

    private XdsFixtures() {
    }

    record Resources(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
                     List<RouteConfiguration> routes) {
    }

    static String fqdn(String shortName) {
        return shortName + "." + NS + ".svc.cluster.local";
    }

    /** Istio's cluster name for a Bookinfo service and subset ("" for none). */
    static String cluster(String service, String subset) {
        return "outbound|" + PORT + "|" + subset + "|" + fqdn(service);
    }

    /**
     * Bookinfo as istiod serves it. {@code routesByService} holds the routes of services a VirtualService routes
     * (others get istiod's default route).
     */
    static Resources bookinfo(boolean proxyless, Map<String, List<Route>> routesByService) {
        List<Cluster> clusters = new ArrayList<>();
        List<ClusterLoadAssignment> endpoints = new ArrayList<>();
        List<VirtualHost> vhosts = new ArrayList<>();
        List<Listener> listeners = new ArrayList<>();
        List<RouteConfiguration> routeConfigs = new ArrayList<>();
        int ip = 10;
        for (Map.Entry<String, Map<String, String>> svc : BOOKINFO.entrySet()) {
            String service = svc.getKey();
            Map<String, String> versions = svc.getValue();
            clusters.add(edsCluster(cluster(service, ""), proxyless));
            endpoints.add(assignment(cluster(service, ""), List.copyOf(versions.values()), PORT));
            for (Map.Entry<String, String> v : versions.entrySet()) {
                clusters.add(edsCluster(cluster(service, v.getKey()), proxyless));
                endpoints.add(assignment(cluster(service, v.getKey()), List.of(v.getValue()), PORT));
            }
            List<Route> routes = routesByService.getOrDefault(service,
                    List.of(defaultRoute(cluster(service, ""), proxyless)));
            VirtualHost vh = virtualHost(service, "10.96.0." + ip++, routes);
            vhosts.add(vh);
            if (proxyless) {
                String rdsName = cluster(service, "");
                routeConfigs.add(RouteConfiguration.newBuilder().setName(rdsName).addVirtualHosts(vh).build());
                listeners.add(apiListener(fqdn(service) + ":" + PORT, rdsName));
            }
        }
        if (!proxyless) {
            vhosts.add(VirtualHost.newBuilder().setName("allow_any").addDomains("*")
                    .addRoutes(Route.newBuilder().setName("allow_any").setMatch(prefix("/"))
                            .setRoute(RouteAction.newBuilder().setCluster("PassthroughCluster")
                                    .setTimeout(duration(Duration.ZERO))))
                    .setIncludeRequestAttemptCount(true).build());
            routeConfigs.add(RouteConfiguration.newBuilder().setName(Integer.toString(PORT)).addAllVirtualHosts(vhosts)
                    .setValidateClusters(com.google.protobuf.BoolValue.of(false)).build());
        }
        return new Resources(clusters, endpoints, listeners, routeConfigs);
    }

    static VirtualHost virtualHost(String service, String vip, List<Route> routes) {
        String fqdn = fqdn(service);
        VirtualHost.Builder vh = VirtualHost.newBuilder().setName(fqdn + ":" + PORT).setIncludeRequestAttemptCount(true);
        for (String d : List.of(fqdn, service, service + "." + NS + ".svc", service + "." + NS, vip)) {
            vh.addDomains(d).addDomains(d + ":" + PORT);
        }
        return vh.addAllRoutes(routes).build();
    }

    static Cluster edsCluster(String name, boolean proxyless) {
        Cluster.Builder c = Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(name)
                        .setEdsConfig(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
                                .setResourceApiVersion(ApiVersion.V3)))
                .setConnectTimeout(duration(Duration.ofSeconds(10)))
                .setLbPolicy(proxyless ? Cluster.LbPolicy.ROUND_ROBIN : Cluster.LbPolicy.LEAST_REQUEST);
        if (!proxyless) {
            long max = 4294967295L;
            c.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                    .setPriority(RoutingPriority.DEFAULT).setMaxConnections(UInt32Value.of((int) max))
                    .setMaxPendingRequests(UInt32Value.of((int) max)).setMaxRequests(UInt32Value.of((int) max))
                    .setMaxRetries(UInt32Value.of((int) max)).setTrackRemaining(true)));
        }
        return c.build();
    }

    static ClusterLoadAssignment assignment(String name, List<String> addresses, int port) {
        LocalityLbEndpoints.Builder group = LocalityLbEndpoints.newBuilder()
                .setLoadBalancingWeight(UInt32Value.of(addresses.size()));
        for (String a : addresses) {
            group.addLbEndpoints(LbEndpoint.newBuilder().setLoadBalancingWeight(UInt32Value.of(1))
                    .setEndpoint(Endpoint.newBuilder().setAddress(io.envoyproxy.envoy.config.core.v3.Address.newBuilder()
                            .setSocketAddress(SocketAddress.newBuilder().setAddress(a).setPortValue(port)))));
        }
        return ClusterLoadAssignment.newBuilder().setClusterName(name).addEndpoints(group).build();
    }

    static Listener apiListener(String name, String rdsName) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setRds(Rds.newBuilder().setRouteConfigName(rdsName)
                        .setConfigSource(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.fault")
                        .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder().setName(name)
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm))).build();
    }

    /** The connection manager of an api_listener. */
    static HttpConnectionManager hcm(Listener l) {
        try {
            return l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(e);
        }
    }

    // ---- Routes as istiod writes them ----

    /** istiod's route for a service without VirtualService. */
    static Route defaultRoute(String cluster, boolean proxyless) {
        return Route.newBuilder().setName("default").setMatch(prefix("/"))
                .setRoute(action(proxyless, null).setCluster(cluster).setRetryPolicy(defaultRetries()))
                .setDecorator(Decorator.newBuilder().setOperation("default")).build();
    }

    /** A route istiod built from VirtualService {@code default/vs}. */
    static Route.Builder route(String vs, String name) {
        return Route.newBuilder().setName(name)
                .setMetadata(Metadata.newBuilder().putFilterMetadata("istio", Struct.newBuilder()
                        .putFields("config", Value.newBuilder().setStringValue(
                                "/apis/networking.istio.io/v1/namespaces/" + NS + "/virtual-service/" + vs).build())
                        .build()))
                .setDecorator(Decorator.newBuilder().setOperation(vs + ":" + PORT + "/*"));
    }

    /** istiod's route action: {@code timeout} (0 = none) for sidecars, also {@code max_stream_duration} for gRPC. */
    static RouteAction.Builder action(boolean proxyless, Duration timeout) {
        Duration t = timeout == null ? Duration.ZERO : timeout;
        RouteAction.Builder a = RouteAction.newBuilder().setTimeout(duration(t));
        if (proxyless) {
            a.setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(duration(t)));
        } else {
            a.setMaxGrpcTimeout(duration(t));
        }
        return a;
    }

    static RetryPolicy defaultRetries() {
        return RetryPolicy.newBuilder().setRetryOn(io.proxyless.mesh.runtime.routing.RetryPolicy.DEFAULT_RETRY_ON)
                .setNumRetries(UInt32Value.of(2)).setHostSelectionRetryMaxAttempts(5)
                .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
                        .setName("envoy.retry_host_predicates.previous_hosts")
                        .setTypedConfig(Any.newBuilder().setTypeUrl("type.googleapis.com/"
                                + "envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate")))
                .build();
    }

    static WeightedCluster weighted(Object... clusterWeightPairs) {
        WeightedCluster.Builder w = WeightedCluster.newBuilder();
        for (int i = 0; i < clusterWeightPairs.length; i += 2) {
            w.addClusters(WeightedCluster.ClusterWeight.newBuilder().setName((String) clusterWeightPairs[i])
                    .setWeight(UInt32Value.of((Integer) clusterWeightPairs[i + 1])));
        }
        return w.build();
    }

    static RouteMatch prefix(String prefix) {
        return RouteMatch.newBuilder().setPrefix(prefix).build();
    }

    static RouteMatch headerExact(String header, String value) {
        return RouteMatch.newBuilder().setPrefix("/").addHeaders(HeaderMatcher.newBuilder().setName(header)
                .setStringMatch(StringMatcher.newBuilder().setExact(value))).build();
    }

    /** Istio's percentage encoding: value × 10000 per million. */
    static FractionalPercent percent(double value) {
        return FractionalPercent.newBuilder().setNumerator((int) (value * 10_000))
                .setDenominator(FractionalPercent.DenominatorType.MILLION).build();
    }

    static com.google.protobuf.Duration duration(Duration d) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }
}
