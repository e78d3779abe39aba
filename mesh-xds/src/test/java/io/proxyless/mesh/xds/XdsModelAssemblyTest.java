package io.proxyless.mesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.proxyless.mesh.runtime.model.ClusterKey;
import io.proxyless.mesh.runtime.model.MeshModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The resources in force as one route model: pure, in a stable order. */
class XdsModelAssemblyTest {
    private static final ParseContext SIDECAR = ParseContext.sidecar();
    private static final ParseContext PROXYLESS = new ParseContext(true, Map.of());

    private static XdsModelAssembly.Inputs inputs(XdsFixtures.Resources r, ParseContext ctx, boolean reversed) {
        Map<String, XdsListenerResource.Update> listeners = new LinkedHashMap<>();
        Map<String, RouteConfiguration> routes = new LinkedHashMap<>();
        Map<String, XdsClusterResource.Update> clusters = new LinkedHashMap<>();
        Map<String, io.proxyless.mesh.runtime.model.ClusterLoadAssignment> endpoints = new LinkedHashMap<>();
        List<Listener> ls = new ArrayList<>(r.listeners());
        var cs = new ArrayList<>(r.clusters());
        var es = new ArrayList<>(r.endpoints());
        if (reversed) {
            Collections.reverse(ls);
            Collections.reverse(cs);
            Collections.reverse(es);
        }
        ls.forEach(l -> listeners.put(l.getName(), XdsListenerResource.parse(l, ctx).value()));
        r.routes().forEach(rc -> routes.put(rc.getName(), rc));
        cs.forEach(c -> clusters.put(c.getName(), XdsClusterResource.parse(c, ctx).value()));
        es.forEach(e -> endpoints.put(e.getClusterName(), XdsEndpointResource.parse(e).value()));
        return new XdsModelAssembly.Inputs(listeners, routes, clusters, endpoints);
    }

    private static Route defaultRoute(String service, boolean proxyless) {
        return XdsFixtures.defaultRoute(XdsFixtures.cluster(service, ""), proxyless);
    }

    @Test
    void proxylessListenersBecomeVirtualHostsOfTheirPortWithIstiodsNames() {
        var r = XdsFixtures.bookinfo(true, Map.of());
        var result = XdsModelAssembly.assemble(inputs(r, PROXYLESS, false), PROXYLESS);
        MeshModel model = result.model();
        assertThat(result.warnings()).isEmpty();
        assertThat(model.routeConfigurations()).containsOnlyKeys(9080);
        var vhosts = model.routeConfiguration(9080).orElseThrow().virtualHosts();
        assertThat(vhosts).extracting(io.proxyless.mesh.runtime.model.VirtualHost::name)
                .containsExactly("ratings.default.svc.cluster.local:9080", "reviews.default.svc.cluster.local:9080");
        assertThat(vhosts.get(1).domains()).extracting(Object::toString).containsExactly("reviews.default.svc.cluster.local", "reviews",
                "reviews.default.svc", "reviews.default", "10.96.0.10");
        var action = vhosts.get(1).routes().get(0).routeAction();
        assertThat(action.clusters().get(0).cluster()).isEqualTo(XdsFixtures.cluster("reviews", ""));
        assertThat(action.timeout()).as("istiod's max_stream_duration 0: none").isNull();

        assertThat(model.clusters()).hasSize(6);
        assertThat(model.clusters().get(XdsFixtures.cluster("reviews", "v2")).key())
                .isEqualTo(ClusterKey.of(9080, "v2", "reviews.default.svc.cluster.local"));
        assertThat(model.endpoints(XdsFixtures.cluster("reviews", "v2"))).extracting(e -> e.address())
                .containsExactly("10.0.0.2");
        assertThat(model.endpoints(XdsFixtures.cluster("reviews", ""))).hasSize(3);
        assertThat(model.outboundPolicy()).isEqualTo(MeshModel.OutboundPolicy.ALLOW_ANY);
    }

    @Test
    void theSameResourcesInAnyOrderGiveTheSameModel() {
        for (boolean proxyless : new boolean[] {true, false}) {
            var r = XdsFixtures.bookinfo(proxyless, Map.of());
            ParseContext ctx = proxyless ? PROXYLESS : SIDECAR;
            MeshModel a = XdsModelAssembly.assemble(inputs(r, ctx, false), ctx).model();
            MeshModel b = XdsModelAssembly.assemble(inputs(r, ctx, true), ctx).model();
            assertThat(b).isEqualTo(a);
            assertThat(List.copyOf(b.clusters().keySet())).isEqualTo(List.copyOf(a.clusters().keySet()));
        }
    }

    @Test
    void sidecarRouteConfigurationsServeTheirPortAndIstiodsCatchAllIsTheOutboundPolicy() {
        var r = XdsFixtures.bookinfo(false, Map.of());
        MeshModel model = XdsModelAssembly.assemble(inputs(r, SIDECAR, false), SIDECAR).model();
        var rc = model.routeConfiguration(9080).orElseThrow();
        assertThat(rc.virtualHosts()).as("allow_any is the outbound policy, not a virtual host")
                .extracting(io.proxyless.mesh.runtime.model.VirtualHost::name)
                .containsExactly("reviews.default.svc.cluster.local:9080", "ratings.default.svc.cluster.local:9080");
        assertThat(model.outboundPolicy()).isEqualTo(MeshModel.OutboundPolicy.ALLOW_ANY);
        assertThat(rc.virtualHosts().get(0).routes().get(0).routeAction().timeout())
                .as("istiod's timeout 0: none").isNull();

        RouteConfiguration blockAll = r.routes().get(0).toBuilder().removeVirtualHosts(2)
                .addVirtualHosts(VirtualHost.newBuilder().setName("block_all").addDomains("*")
                        .addRoutes(Route.newBuilder().setName("block_all").setMatch(XdsFixtures.prefix("/"))
                                .setDirectResponse(DirectResponseAction.newBuilder().setStatus(502))))
                .build();
        var registryOnly = new XdsFixtures.Resources(r.clusters(), r.endpoints(), r.listeners(), List.of(blockAll));
        assertThat(XdsModelAssembly.assemble(inputs(registryOnly, SIDECAR, false), SIDECAR).model().outboundPolicy())
                .isEqualTo(MeshModel.OutboundPolicy.REGISTRY_ONLY);
    }

    @Test
    void aSidecarListenerDecidesTheRouteConfigurationsPort() {
        var r = XdsFixtures.bookinfo(false, Map.of());
        RouteConfiguration named = r.routes().get(0).toBuilder().setName("http.8080").build();
        var withListener = new XdsFixtures.Resources(r.clusters(), r.endpoints(),
                List.of(XdsListenerResourceTest.sidecarListener("0.0.0.0_8080", 8080, "http.8080",
                        TrafficDirection.OUTBOUND)), List.of(named));
        MeshModel model = XdsModelAssembly.assemble(inputs(withListener, SIDECAR, false), SIDECAR).model();
        assertThat(model.routeConfigurations()).containsOnlyKeys(8080);
    }

    @Test
    void aProxylessListenersStreamDurationIsTheTimeoutOfRoutesThatSetNone() {
        var r = XdsFixtures.bookinfo(true, Map.of("reviews", List.of(defaultRoute("reviews", true).toBuilder()
                .setRoute(defaultRoute("reviews", true).getRoute().toBuilder().clearTimeout()
                        .clearMaxStreamDuration()).build())));
        List<Listener> listeners = new ArrayList<>();
        for (Listener l : r.listeners()) {
            var hcm = XdsFixtures.hcm(l).toBuilder().setCommonHttpProtocolOptions(
                    io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.newBuilder()
                            .setMaxStreamDuration(XdsFixtures.duration(Duration.ofSeconds(4)))).build();
            listeners.add(l.toBuilder().setApiListener(l.getApiListener().toBuilder()
                    .setApiListener(com.google.protobuf.Any.pack(hcm))).build());
        }
        var withDuration = new XdsFixtures.Resources(r.clusters(), r.endpoints(), listeners, r.routes());
        MeshModel model = XdsModelAssembly.assemble(inputs(withDuration, PROXYLESS, false), PROXYLESS).model();
        var vhosts = model.routeConfiguration(9080).orElseThrow().virtualHosts();
        assertThat(vhosts.get(1).routes().get(0).routeAction().timeout()).as("reviews sets none")
                .isEqualTo(Duration.ofSeconds(4));
        assertThat(vhosts.get(0).routes().get(0).routeAction().timeout()).as("ratings sets 0: none").isNull();
    }

    @Test
    void aListenerWhoseRoutesHaveNoVirtualHostForItFindsNoRoute() {
        var r = XdsFixtures.bookinfo(true, Map.of());
        List<Listener> listeners = new ArrayList<>(r.listeners());
        listeners.add(XdsFixtures.apiListener("details.default.svc.cluster.local:9080",
                XdsFixtures.cluster("reviews", "")));
        var withStray = new XdsFixtures.Resources(r.clusters(), r.endpoints(), listeners, r.routes());
        var result = XdsModelAssembly.assemble(inputs(withStray, PROXYLESS, false), PROXYLESS);
        var details = result.model().routeConfiguration(9080).orElseThrow().virtualHosts().get(0);
        assertThat(details.name()).isEqualTo("details.default.svc.cluster.local:9080");
        assertThat(details.routes()).isEmpty();
        assertThat(result.warnings()).singleElement().extracting(p -> p.message()).asString()
                .contains("has no virtual host for details.default.svc.cluster.local:9080");
    }

    @Test
    void clusterMapsAreReusedWhileTheirResourcesAreTheSameMaps() {
        var r = XdsFixtures.bookinfo(false, Map.of());
        XdsModelAssembly.Inputs in = inputs(r, SIDECAR, false);
        XdsModelAssembly.ClusterMaps maps = XdsModelAssembly.ClusterMaps.none();
        MeshModel first = XdsModelAssembly.assemble(in, SIDECAR, RouteParses.none(), maps).model();
        MeshModel again = XdsModelAssembly.assemble(in, SIDECAR, RouteParses.none(), maps).model();
        assertThat(again.clusters()).isSameAs(first.clusters());
        assertThat(again.loadAssignments()).isSameAs(first.loadAssignments());

        // One cluster's endpoints change: the same clusters, new assignments, as a fresh assembly has them.
        String changed = XdsFixtures.cluster("reviews", "v2");
        var endpoints = new java.util.TreeMap<>(in.endpoints());
        endpoints.put(changed, io.proxyless.mesh.runtime.model.ClusterLoadAssignment.of(changed, List.of()));
        XdsModelAssembly.Inputs next = new XdsModelAssembly.Inputs(in.listeners(), in.routes(), in.clusters(),
                endpoints);
        MeshModel patched = XdsModelAssembly.assemble(next, SIDECAR, RouteParses.none(), maps).model();
        assertThat(patched.clusters()).isSameAs(first.clusters());
        assertThat(patched.endpoints(changed)).isEmpty();
        assertThat(patched).isEqualTo(XdsModelAssembly.assemble(next, SIDECAR).model());
        assertThat(new java.util.ArrayList<>(patched.loadAssignments().keySet()))
                .isEqualTo(new java.util.ArrayList<>(XdsModelAssembly.assemble(next, SIDECAR).model()
                        .loadAssignments().keySet()));
    }
}
