package io.proxyless.mesh.benchmarks;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;

/** xDS resources, shaped as istiod writes them, for the same routing as {@link MeshConfigs}. */
final class XdsResources {
    private XdsResources() {
    }

    record Resources(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
                     List<RouteConfiguration> routes) {
        /** Serialized bytes of each resource type, as they travel in one state-of-the-world response. */
        long bytes(List<? extends com.google.protobuf.Message> list) {
            long n = 0;
            for (com.google.protobuf.Message m : list) {
                n += Any.pack(m).getSerializedSize() + 4;
            }
            return n;
        }
    }

    static String cluster(String host, int port, String subset) {
        return "outbound|" + port + "|" + subset + "|" + host;
    }

    /**
     * What istiod serves a proxyless gRPC client (node metadata {@code GENERATOR: grpc}) for
     * {@link MeshConfigs#grpcEcho}: the listener {@code grpc-echo.default.svc.cluster.local:9090} with an API
     * listener, its route configuration (jason → v2, else 80/20 v1/v2, retries on unavailable/cancelled), two EDS
     * clusters with ROUND_ROBIN, two endpoints each.
     */
    static Resources grpcEcho(int[] ports) {
        String host = MeshConfigs.GRPC_HOST;
        int port = 9090;
        String v1 = cluster(host, port, "v1");
        String v2 = cluster(host, port, "v2");
        String rds = cluster(host, port, "");
        RetryPolicy retries = RetryPolicy.newBuilder().setRetryOn("unavailable,cancelled")
                .setNumRetries(UInt32Value.of(2)).build();
        VirtualHost vh = VirtualHost.newBuilder().setName(host + ":" + port)
                .addDomains(host + ":" + port).addDomains(host).addDomains("grpc-echo").addDomains("grpc-echo:" + port)
                .addRoutes(Route.newBuilder().setName("jason")
                        .setMatch(RouteMatch.newBuilder().setPrefix("/").addHeaders(HeaderMatcher.newBuilder()
                                .setName("end-user").setStringMatch(StringMatcher.newBuilder().setExact("jason"))))
                        .setRoute(RouteAction.newBuilder().setCluster(v2).setRetryPolicy(retries)))
                .addRoutes(Route.newBuilder().setName("split").setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setRetryPolicy(retries).setWeightedClusters(
                                WeightedCluster.newBuilder()
                                        .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(v1)
                                                .setWeight(UInt32Value.of(80)))
                                        .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(v2)
                                                .setWeight(UInt32Value.of(20))))))
                .build();
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setRds(Rds.newBuilder().setRouteConfigName(rds).setConfigSource(ads()))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        Listener listener = Listener.newBuilder().setName(host + ":" + port)
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm))).build();
        return new Resources(
                List.of(edsCluster(v1, Cluster.LbPolicy.ROUND_ROBIN), edsCluster(v2, Cluster.LbPolicy.ROUND_ROBIN)),
                List.of(assignment(v1, List.of("127.0.0.1", "127.0.0.1"), new int[] {ports[0], ports[1]}),
                        assignment(v2, List.of("127.0.0.1", "127.0.0.1"), new int[] {ports[2], ports[3]})),
                List.of(listener),
                List.of(RouteConfiguration.newBuilder().setName(rds).addVirtualHosts(vh).build()));
    }

    /**
     * {@link MeshConfigs#scale} as istiod sends it to a sidecar-shaped node: a cluster
     * {@code outbound|9080||svcN.default.svc.cluster.local} (EDS, LEAST_REQUEST, Istio's circuit-breaker
     * thresholds) and its three endpoints per service, and the route configuration {@code 9080} with a virtual host
     * per service (all of Istio's domain spellings) holding the two routes. With {@code minimalRoutes}, each
     * virtual host has only its FQDN domains and one route without retry policy: the same 10,000 clusters and
     * 30,000 endpoints with a route configuration small enough for gRPC's default 4 MiB message limit.
     */
    static Resources scale(int services, boolean minimalRoutes) {
        return scale(services, minimalRoutes, -1, 0);
    }

    /**
     * {@link #scale(int, boolean)} where service {@code changed}'s third endpoint is
     * {@link MeshConfigs#changedAddress}{@code (version)} for {@code version} &gt; 0: a one-service change, as
     * {@link MeshConfigs#scale(int, int, int, int)} writes it in a file.
     */
    static Resources scale(int services, boolean minimalRoutes, int changed, int version) {
        return scale(services, minimalRoutes, changed, version, 0);
    }

    /**
     * {@link #scale(int, boolean, int, int)} where service {@code changed}'s default route also has a timeout of
     * {@code routeVersion} seconds for {@code routeVersion} &gt; 0: a one-service route change, as
     * {@link MeshConfigs#scale(int, int, int, int, int)} writes it in a file (istiod sends the whole route
     * configuration of the port again).
     */
    static Resources scale(int services, boolean minimalRoutes, int changed, int version, int routeVersion) {
        List<Cluster> clusters = new ArrayList<>(services);
        List<ClusterLoadAssignment> endpoints = new ArrayList<>(services);
        RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName("9080")
                .setValidateClusters(com.google.protobuf.BoolValue.of(false));
        RetryPolicy fiveXx = RetryPolicy.newBuilder().setRetryOn("5xx").setNumRetries(UInt32Value.of(3)).build();
        RetryPolicy defaults = RetryPolicy.newBuilder()
                .setRetryOn("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes")
                .setNumRetries(UInt32Value.of(2)).build();
        for (int i = 0; i < services; i++) {
            String shortName = "svc" + i;
            String host = shortName + ".default.svc.cluster.local";
            String name = cluster(host, 9080, "");
            clusters.add(edsCluster(name, Cluster.LbPolicy.LEAST_REQUEST));
            int a = i / 250 % 250;
            int b = i % 250;
            endpoints.add(assignment(name, List.of("10." + a + "." + b + ".1", "10." + a + "." + b + ".2",
                    i == changed && version > 0 ? MeshConfigs.changedAddress(version) : "10." + a + "." + b + ".3"),
                    new int[] {9080, 9080, 9080}));
            VirtualHost.Builder vh = VirtualHost.newBuilder().setName(host + ":9080");
            if (minimalRoutes) {
                vh.addDomains(host).addDomains(host + ":9080");
                vh.addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setCluster(name)));
            } else {
                for (String d : List.of(host, shortName, shortName + ".default.svc", shortName + ".default")) {
                    vh.addDomains(d).addDomains(d + ":9080");
                }
                vh.addRoutes(Route.newBuilder().setName("jason")
                        .setMatch(RouteMatch.newBuilder().setPrefix("/").addHeaders(HeaderMatcher.newBuilder()
                                .setName("end-user").setStringMatch(StringMatcher.newBuilder().setExact("jason"))))
                        .setRoute(RouteAction.newBuilder().setCluster(name).setRetryPolicy(fiveXx)));
                RouteAction.Builder action = RouteAction.newBuilder().setCluster(name).setRetryPolicy(defaults);
                if (i == changed && routeVersion > 0) {
                    action.setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(routeVersion));
                }
                vh.addRoutes(Route.newBuilder().setName("default").setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(action));
            }
            rc.addVirtualHosts(vh);
        }
        return new Resources(clusters, endpoints, List.of(), List.of(rc.build()));
    }

    private static ConfigSource ads() {
        return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
                .setResourceApiVersion(ApiVersion.V3).build();
    }

    private static Cluster edsCluster(String name, Cluster.LbPolicy lb) {
        long max = 4294967295L;
        return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(name).setEdsConfig(ads()))
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(10))
                .setLbPolicy(lb)
                .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                        .setPriority(RoutingPriority.DEFAULT).setMaxConnections(UInt32Value.of((int) max))
                        .setMaxPendingRequests(UInt32Value.of((int) max)).setMaxRequests(UInt32Value.of((int) max))
                        .setMaxRetries(UInt32Value.of((int) max))))
                .build();
    }

    private static ClusterLoadAssignment assignment(String name, List<String> addresses, int[] ports) {
        LocalityLbEndpoints.Builder group = LocalityLbEndpoints.newBuilder()
                .setLoadBalancingWeight(UInt32Value.of(addresses.size()));
        for (int i = 0; i < addresses.size(); i++) {
            group.addLbEndpoints(LbEndpoint.newBuilder().setLoadBalancingWeight(UInt32Value.of(1))
                    .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
                            SocketAddress.newBuilder().setAddress(addresses.get(i)).setPortValue(ports[i])))));
        }
        return ClusterLoadAssignment.newBuilder().setClusterName(name).addEndpoints(group).build();
    }
}
