package io.proxyless.mesh.runtime.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.model.RouteConfiguration;
import io.proxyless.mesh.runtime.model.VirtualHost;
import io.proxyless.mesh.runtime.registry.MeshService;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A snapshot holds one string per name: the registry's hosts and defining resources are the very strings the route
 * model and the compiled routes use, so a service's names are not kept twice (once per table) at scale.
 */
class SharedNamesTest {
    private static final Path CONFIG = Path.of("..", "examples", "config");
    private static final String REVIEWS = "reviews.default.svc.cluster.local";

    @Test
    void theRegistryAndTheRouteModelShareTheirNames() {
        try (Mesh mesh = Mesh.builder().configPaths(CONFIG).namespace("default").watch(false).build()) {
            CompiledMesh snapshot = mesh.snapshot();
            MeshService reviews = snapshot.registry().lookup(REVIEWS).orElseThrow();
            RouteConfiguration rc = snapshot.model().routeConfiguration(9080).orElseThrow();
            VirtualHost vh = rc.virtualHosts().stream().filter(v -> v.hasDomain(HostName.of(REVIEWS))).findFirst()
                    .orElseThrow();

            String domain = vh.domains().stream().map(HostName::toString).filter(REVIEWS::equals).findFirst()
                    .orElseThrow();
            assertThat(domain).as("the model's domain is the registry's host").isSameAs(reviews.host());
            assertThat(snapshot.registry().lookup("reviews").orElseThrow()).as("found by its alias").isSameAs(reviews);

            // ServiceEntry default/reviews and VirtualService default/reviews: one "default/reviews".
            CompiledRoute route = snapshot.routes(REVIEWS).get(0);
            assertThat(reviews.source()).isEqualTo("default/reviews");
            assertThat(route.virtualService()).isSameAs(reviews.source());
        }
    }
}
