package io.proxyless.mesh.runtime.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.model.ClusterWeight;
import io.proxyless.mesh.runtime.model.HeaderMatch;
import io.proxyless.mesh.runtime.model.LbEndpoint;
import io.proxyless.mesh.runtime.model.MeshModel;
import io.proxyless.mesh.runtime.model.PathMatch;
import io.proxyless.mesh.runtime.model.Route;
import io.proxyless.mesh.runtime.model.RouteConfiguration;
import io.proxyless.mesh.runtime.model.StringMatch;
import io.proxyless.mesh.runtime.model.VirtualHost;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The Istio decisions of a compilation, written as the Envoy-shaped route model istiod would send. */
class RouteModelAssemblyTest {
    private static final Path CONFIG = Path.of("..", "examples", "config");
    private static final String REVIEWS = "reviews.default.svc.cluster.local";

    private static VirtualHost virtualHost(MeshModel model, int port, String domain) {
        RouteConfiguration rc = model.routeConfiguration(port).orElseThrow();
        return rc.virtualHosts().stream().filter(vh -> vh.hasDomain(io.proxyless.mesh.api.HostName.of(domain))).findFirst().orElseThrow();
    }

    @Test
    void bookinfoBecomesOneRouteConfigurationPerPortWithAVirtualHostPerService() {
        try (Mesh mesh = Mesh.builder().configPaths(CONFIG).namespace("default").watch(false).build()) {
            MeshModel model = mesh.snapshot().model();

            VirtualHost reviews = virtualHost(model, 9080, "reviews");
            assertThat(reviews.name()).isEqualTo(REVIEWS + ":9080");
            assertThat(reviews.domains()).extracting(Object::toString).containsExactly(REVIEWS, "reviews.default.svc", "reviews.default",
                    "reviews");
            assertThat(reviews.origin()).isEqualTo("VirtualService default/reviews");
            assertThat(reviews.routes()).extracting(Route::name).containsExactly("jason-sees-v2", "everyone-else-v1");

            Route jason = reviews.routes().get(0);
            assertThat(jason.match().path()).isEqualTo(PathMatch.prefix("/", true));
            assertThat(jason.match().headers()).containsExactly(HeaderMatch.of("end-user", StringMatch.exact("jason")));
            assertThat(jason.routeAction().clusters()).extracting(ClusterWeight::cluster)
                    .containsExactly("outbound|9080|v2|" + REVIEWS);
            assertThat(jason.routeAction().retryPolicy().numRetries()).as("Istio's default retries").isEqualTo(2);
            assertThat(jason.origin()).isEqualTo("VirtualService default/reviews http[0]");
            assertThat(reviews.routes().get(1).match().isCatchAll()).isTrue();

            // Every cluster a route names exists, with its endpoints narrowed to the subset.
            for (RouteConfiguration rc : model.routeConfigurations().values()) {
                for (VirtualHost vh : rc.virtualHosts()) {
                    for (Route r : vh.routes()) {
                        if (r.routeAction() != null) {
                            assertThat(model.clusters()).as(r.toString())
                                    .containsKeys(r.routeAction().clusters().stream().map(ClusterWeight::cluster)
                                            .toArray(String[]::new));
                        }
                    }
                }
            }
            assertThat(model.endpoints("outbound|9080|v2|" + REVIEWS)).extracting(LbEndpoint::labels)
                    .allSatisfy(labels -> assertThat(labels).containsEntry("version", "v2"));
            assertThat(model.clusters().get("outbound|9080|v2|" + REVIEWS).key().subset()).isEqualTo("v2");
            assertThat(model.outboundPolicy()).isEqualTo(MeshModel.OutboundPolicy.ALLOW_ANY);
            assertThat(model.warnings()).isEmpty();
        }
    }

    /** The first route of {@code vh} a GET of {@code path} with {@code headers} matches (prefix paths only). */
    private static Route firstMatch(VirtualHost vh, String path, java.util.Map<String, String> headers) {
        for (Route r : vh.routes()) {
            boolean pathOk = r.match().path().kind() == PathMatch.Kind.PREFIX && path.startsWith(r.match().path().value());
            boolean headersOk = r.match().headers().stream().allMatch(h -> h.matches(headers.get(h.name())));
            if (pathOk && headersOk) {
                return r;
            }
        }
        return null;
    }

    @Test
    void theModelAndTheRequestPathDecideTheSame() {
        try (Mesh mesh = Mesh.builder().configPaths(CONFIG).namespace("default").watch(false).build()) {
            VirtualHost reviews = virtualHost(mesh.snapshot().model(), 9080, "reviews");
            for (String user : new String[] {"jason", "someone"}) {
                RouteDecision d = mesh.route(RouteRequest.builder("GET", "http://reviews:9080/reviews/1")
                        .header("end-user", user).build());
                Route r = firstMatch(reviews, "/reviews/1", java.util.Map.of("end-user", user));
                assertThat(r.name()).isEqualTo(d.route().name());
                assertThat(r.routeAction().clusters()).extracting(ClusterWeight::cluster)
                        .containsExactly(d.cluster().key());
            }
        }
    }

    @Test
    void aServiceWithoutVirtualServiceGetsIstiosDefaultRoute() {
        try (Mesh mesh = Mesh.builder().configPaths(CONFIG.resolve("base")).namespace("default").watch(false)
                .build()) {
            VirtualHost ratings = virtualHost(mesh.snapshot().model(), 9080, "ratings");
            assertThat(ratings.origin()).isNull();
            assertThat(ratings.routes()).singleElement().satisfies(r -> {
                assertThat(r.match().isCatchAll()).isTrue();
                assertThat(r.routeAction().clusters()).extracting(ClusterWeight::cluster)
                        .containsExactly("outbound|9080||ratings.default.svc.cluster.local");
            });
        }
    }
}
