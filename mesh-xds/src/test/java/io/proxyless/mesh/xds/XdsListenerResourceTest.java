package io.proxyless.mesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.proxyless.mesh.runtime.model.FaultInjection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** LDS: which route configuration serves which host:port, and what the connection manager adds. */
class XdsListenerResourceTest {
    private static final ParseContext PROXYLESS = new ParseContext(true, Map.of());

    @Test
    void aProxylessApiListenerNamesItsHostPortAndRdsResource() {
        Listener l = XdsFixtures.apiListener("reviews.default.svc.cluster.local:9080", "reviews-routes");
        var p = XdsListenerResource.parse(l, PROXYLESS);
        assertThat(p.error()).isNull();
        assertThat(p.value().host()).isEqualTo("reviews.default.svc.cluster.local");
        assertThat(p.value().port()).isEqualTo(9080);
        assertThat(p.value().routeConfigName()).isEqualTo("reviews-routes");
        assertThat(p.value().filters()).as("fault filter with an empty config")
                .isEqualTo(new ParseContext.HttpFilters(true, null, null));
    }

    @Test
    void inlineRoutesGetTheListenersDefaultFaultAndStreamDuration() {
        HTTPFault abort = HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(503)
                .setPercentage(XdsFixtures.percent(100))).build();
        RouteConfiguration routes = RouteConfiguration.newBuilder().setName("inline").addVirtualHosts(
                XdsFixtures.virtualHost("reviews", "10.96.0.1", List.of(XdsFixtures.route("reviews", "r")
                        .setMatch(XdsFixtures.prefix("/")).setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction
                                .newBuilder().setCluster("c")).build()))).build();
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setRouteConfig(routes)
                .setCommonHttpProtocolOptions(io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.newBuilder()
                        .setMaxStreamDuration(XdsFixtures.duration(Duration.ofSeconds(3))))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.fault")
                        .setTypedConfig(Any.pack(abort)))
                .build();
        Listener l = Listener.newBuilder().setName("reviews:9080")
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm))).build();
        var p = XdsListenerResource.parse(l, PROXYLESS);
        assertThat(p.error()).isNull();
        var route = p.value().inlineRoutes().virtualHosts().get(0).routes().get(0);
        assertThat(route.fault()).isEqualTo(new FaultInjection(null, 0, 503, null, 100));
        assertThat(route.routeAction().timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(route.origin()).isEqualTo("VirtualService default/reviews");
        assertThat(p.value().inlineRoutes().port()).isEqualTo(9080);
    }

    @Test
    void aSidecarListenerServesTheRouteConfigurationOfItsPort() {
        Listener l = sidecarListener("0.0.0.0_9080", 9080, "9080", TrafficDirection.OUTBOUND);
        var p = XdsListenerResource.parse(l, ParseContext.sidecar());
        assertThat(p.error()).isNull();
        assertThat(p.value().host()).isNull();
        assertThat(p.value().port()).isEqualTo(9080);
        assertThat(p.value().routeConfigName()).isEqualTo("9080");
        var inbound = XdsListenerResource.parse(sidecarListener("virtualInbound", 15006, "inbound",
                TrafficDirection.INBOUND), ParseContext.sidecar());
        assertThat(inbound.value().routes()).as("an inbound listener routes nothing for a client").isFalse();
    }

    static Listener sidecarListener(String name, int port, String rds, TrafficDirection direction) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setRds(Rds.newBuilder()
                .setRouteConfigName(rds).setConfigSource(io.envoyproxy.envoy.config.core.v3.ConfigSource.newBuilder()
                        .setAds(io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource.getDefaultInstance())))
                .build();
        return Listener.newBuilder().setName(name).setTrafficDirection(direction)
                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("0.0.0.0")
                        .setPortValue(port)))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName(XdsListenerResource.HCM_NAME).setTypedConfig(Any.pack(hcm))))
                .build();
    }

    @Test
    void listenersThisClientCannotUseAreNacked() {
        var noApi = XdsListenerResource.parse(Listener.newBuilder().setName("x:80").build(), PROXYLESS);
        assertThat(noApi.error()).startsWith("api_listener: missing");
        var noRoutes = XdsListenerResource.parse(Listener.newBuilder().setName("x:80").setApiListener(ApiListener
                .newBuilder().setApiListener(Any.pack(HttpConnectionManager.getDefaultInstance()))).build(), PROXYLESS);
        assertThat(noRoutes.error()).startsWith("api_listener.api_listener: route specifier ROUTESPECIFIER_NOT_SET"
                + " cannot be carried out");
        var badInline = XdsListenerResource.parse(Listener.newBuilder().setName("x:80").setApiListener(ApiListener
                .newBuilder().setApiListener(Any.pack(HttpConnectionManager.newBuilder().setRouteConfig(
                        RouteConfiguration.newBuilder().addVirtualHosts(XdsFixtures.virtualHost("x", "10.0.0.1",
                                List.of(io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
                                        .setMatch(XdsFixtures.prefix("/")).setRoute(io.envoyproxy.envoy.config.route
                                                .v3.RouteAction.newBuilder().setWeightedClusters(
                                                        XdsFixtures.weighted("a", 0, "b", 0))).build()))))
                        .build()))).build(), PROXYLESS);
        assertThat(badInline.error()).contains("the sum of the cluster weights is 0");
    }
}
