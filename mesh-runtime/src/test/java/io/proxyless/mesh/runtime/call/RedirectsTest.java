package io.proxyless.mesh.runtime.call;

import static io.proxyless.mesh.runtime.call.CallFixture.WEB;
import static io.proxyless.mesh.runtime.call.CallFixture.get;
import static io.proxyless.mesh.runtime.call.CallFixture.mesh;
import static io.proxyless.mesh.runtime.call.CallFixture.virtualService;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.HTTPRedirect.RedirectPortSelection;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.model.Redirect;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedirectsTest {
    @TempDir
    Path dir;

    /** The route model's redirect for an Istio redirect with these fields, as the compiler writes it. */
    private static Redirect redirect(String uri, String authority, Integer port, RedirectPortSelection derive,
                                     String scheme, Integer code, String prefixRewrite) {
        Redirect r = Redirect.of(scheme, authority, port,
                port == null && derive == RedirectPortSelection.FROM_PROTOCOL_DEFAULT, prefixRewrite == null ? uri : null,
                prefixRewrite, code == null ? 301 : code);
        return port == null && derive == RedirectPortSelection.FROM_REQUEST_PORT ? r.withPortFromRequest() : r;
    }

    private static Redirect uri(String uri) {
        return redirect(uri, null, null, null, null, null, null);
    }

    @Test
    void defaultCodeIs301() {
        try (Mesh mesh = mesh(dir, WEB, virtualService("""
                - match: [{uri: {prefix: /default}}]
                  redirect: {uri: /x}
                - match: [{uri: {prefix: /302}}]
                  redirect: {uri: /x, redirectCode: 302}
                - match: [{uri: {prefix: /308}}]
                  redirect: {uri: /x, redirectCode: 308}
                """))) {
            assertThat(Redirects.status(mesh.route(get("http://web:8080/default")))).isEqualTo(301);
            assertThat(Redirects.status(mesh.route(get("http://web:8080/302")))).isEqualTo(302);
            assertThat(Redirects.status(mesh.route(get("http://web:8080/308")))).isEqualTo(308);
        }
    }

    @Test
    void uriReplacesThePathAndKeepsTheQueryUnlessItHasItsOwn() {
        Redirect r = uri("/v1/bookRatings");
        assertThat(Redirects.location(r, "http", "ratings:9080", 9080, "/v1/getProductRatings", "id=1", 0))
                .isEqualTo("http://ratings:9080/v1/bookRatings?id=1");
        assertThat(Redirects.location(uri("/new?a=b"), "http", "ratings", 80, "/old", "id=1", 0))
                .isEqualTo("http://ratings/new?a=b");
    }

    @Test
    void authorityReplacesHostAndPort() {
        Redirect r = redirect(null, "bookratings.default.svc.cluster.local", null, null, null, null, null);
        assertThat(Redirects.location(r, "http", "ratings:9080", 9080, "/x", null, 0))
                .isEqualTo("http://bookratings.default.svc.cluster.local/x");
    }

    @Test
    void schemeChangeDropsTheOldDefaultPortOnly() {
        Redirect https = redirect(null, null, null, null, "https", null, null);
        assertThat(Redirects.location(https, "http", "web:80", 80, "/", null, 0)).isEqualTo("https://web/");
        assertThat(Redirects.location(https, "http", "web:8080", 8080, "/", null, 0)).isEqualTo("https://web:8080/");
    }

    @Test
    void portAndDerivedPortReplaceThePortButNotTheSchemeDefault() {
        Redirect port = redirect(null, null, 8443, null, "https", null, null);
        assertThat(Redirects.location(port, "http", "web:8080", 8080, "/p", null, 0))
                .isEqualTo("https://web:8443/p");
        Redirect derive = redirect(null, "other", null, RedirectPortSelection.FROM_REQUEST_PORT, null, null, null);
        assertThat(Redirects.location(derive, "http", "web:8080", 8080, "/p", null, 0))
                .isEqualTo("http://other:8080/p");
        Redirect default443 = redirect(null, null, 443, null, "https", null, null);
        assertThat(Redirects.location(default443, "http", "web:8080", 8080, "/p", null, 0))
                .as("istiod drops port 443 for https; Envoy then keeps the request's non-default port")
                .isEqualTo("https://web:8080/p");
        assertThat(Redirects.location(default443, "http", "web", 80, "/p", null, 0)).isEqualTo("https://web/p");
        Redirect protocolDefault = redirect(null, null, null, RedirectPortSelection.FROM_PROTOCOL_DEFAULT, null,
                null, null);
        assertThat(Redirects.location(protocolDefault, "http", "web:8080", 8080, "/p", null, 0))
                .as("Envoy keeps the request's authority when no port is programmed").isEqualTo("http://web:8080/p");
    }

    @Test
    void prefixRewriteReplacesTheMatchedPrefix() {
        try (Mesh mesh = mesh(dir, WEB, virtualService("""
                - match: [{uri: {prefix: /old}}]
                  redirect: {prefixRewrite: /new, redirectCode: 308}
                """))) {
            RouteRequest request = get("http://web:8080/old/page?x=1");
            RouteDecision d = mesh.route(request);
            assertThat(Redirects.location(d, request)).isEqualTo("http://web:8080/new/page?x=1");
            assertThat(Redirects.status(d)).isEqualTo(308);
        }
    }
}
