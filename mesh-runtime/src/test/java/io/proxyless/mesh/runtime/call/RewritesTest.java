package io.proxyless.mesh.runtime.call;

import static io.proxyless.mesh.runtime.call.CallFixture.WEB;
import static io.proxyless.mesh.runtime.call.CallFixture.get;
import static io.proxyless.mesh.runtime.call.CallFixture.mesh;
import static io.proxyless.mesh.runtime.call.CallFixture.virtualService;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.model.PathRewrite;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewritesTest {
    @TempDir
    Path dir;

    private static String rewrite(Mesh mesh, String url) {
        RouteRequest request = get(url);
        return Rewrites.path(mesh.route(request), request);
    }

    @Test
    void uriRewriteReplacesTheMatchedPrefixAndKeepsTheRestAndTheQuery() {
        try (Mesh mesh = mesh(dir, WEB, virtualService("""
                - match: [{uri: {prefix: /reviews}}]
                  rewrite: {uri: /v2}
                  route: [{destination: {host: web}}]
                """))) {
            assertThat(rewrite(mesh, "http://web:8080/reviews/1?x=1&y=2")).isEqualTo("/v2/1?x=1&y=2");
            assertThat(rewrite(mesh, "http://web:8080/reviewsfoo")).isEqualTo("/v2foo");
        }
    }

    @Test
    void uriRewriteReplacesThePrefixOfTheBlockThatMatched() {
        // Two blocks with different URI kinds that also differ in another condition: the rewrite must use the
        // block the engine actually matched, not the first block whose URI would match.
        try (Mesh mesh = mesh(dir, WEB, virtualService("""
                - match:
                  - {uri: {exact: /shop/cart}, headers: {x-beta: {exact: "1"}}}
                  - {uri: {prefix: /shop}}
                  rewrite: {uri: /store}
                  route: [{destination: {host: web}}]
                """))) {
            assertThat(rewrite(mesh, "http://web:8080/shop/cart")).isEqualTo("/store/cart");
            RouteRequest beta = get("http://web:8080/shop/cart", "x-beta", "1");
            assertThat(Rewrites.path(mesh.route(beta), beta)).isEqualTo("/store");
        }
    }

    @Test
    void uriRewriteReplacesTheWholePathOfAnExactOrRegexMatch() {
        try (Mesh mesh = mesh(dir, WEB, virtualService("""
                - match: [{uri: {exact: /old}}]
                  rewrite: {uri: /new}
                  route: [{destination: {host: web}}]
                - match: [{uri: {regex: "/items/[0-9]+"}}]
                  rewrite: {uri: /item}
                  route: [{destination: {host: web}}]
                """))) {
            assertThat(rewrite(mesh, "http://web:8080/old?q=1")).isEqualTo("/new?q=1");
            assertThat(rewrite(mesh, "http://web:8080/items/42")).isEqualTo("/item");
        }
    }

    @Test
    void uriRewriteWithoutUriMatchReplacesTheLeadingSlashAsEnvoyDoes() {
        try (Mesh mesh = mesh(dir, WEB, virtualService("""
                - match: [{headers: {x-v2: {exact: "1"}}}]
                  rewrite: {uri: /v2}
                  route: [{destination: {host: web}}]
                """))) {
            RouteRequest request = get("http://web:8080/reviews", "x-v2", "1");
            assertThat(Rewrites.path(mesh.route(request), request)).isEqualTo("/v2reviews");
        }
    }

    @Test
    void ignoreUriCasePrefixIsReplacedWhateverItsCase() {
        try (Mesh mesh = mesh(dir, WEB, virtualService("""
                - match: [{uri: {prefix: /API}, ignoreUriCase: true}]
                  rewrite: {uri: /api}
                  route: [{destination: {host: web}}]
                """))) {
            assertThat(rewrite(mesh, "http://web:8080/Api/x")).isEqualTo("/api/x");
        }
    }

    @Test
    void theMatchedBlockDecidesWhatIsReplaced() {
        try (Mesh mesh = mesh(dir, WEB, virtualService("""
                - match: [{uri: {prefix: /a}}, {uri: {prefix: /bb}}]
                  rewrite: {uri: /z}
                  route: [{destination: {host: web}}]
                """))) {
            assertThat(rewrite(mesh, "http://web:8080/a/1")).isEqualTo("/z/1");
            assertThat(rewrite(mesh, "http://web:8080/bb/1")).isEqualTo("/z/1");
        }
    }

    @Test
    void regexRewriteSubstitutesCaptureGroupsInThePathOnly() {
        try (Mesh mesh = mesh(dir, WEB, virtualService("""
                - match: [{uri: {prefix: /service}}]
                  rewrite:
                    uriRegexRewrite: {match: "^/service/([^/]+)(/.*)$", rewrite: "\\\\2/instance/\\\\1"}
                  route: [{destination: {host: web}}]
                """))) {
            assertThat(rewrite(mesh, "http://web:8080/service/foo/v1/api?x=/service/a/b"))
                    .isEqualTo("/v1/api/instance/foo?x=/service/a/b");
        }
    }

    @Test
    void regexRewriteReplacesEveryMatchLikeRe2GlobalReplace() {
        assertThat(Rewrites.regex(PathRewrite.regex("o", "0"), "/foo/boo", null)).isEqualTo("/f00/b00");
        assertThat(Rewrites.regex(PathRewrite.regex("a*", "-"), "baaac", null)).isEqualTo("-b-c-");
        assertThat(Rewrites.regex(PathRewrite.regex("x", "y"), "/abc", "q=x")).isEqualTo("/abc?q=x");
        assertThat(Rewrites.regex(PathRewrite.regex("(a)(b)", "\\2\\1\\\\"), "/ab", null)).isEqualTo("/ba\\");
    }

    @Test
    void noRewriteMeansNoNewPath() {
        try (Mesh mesh = mesh(dir, WEB, virtualService("""
                - route: [{destination: {host: web}}]
                """))) {
            assertThat(rewrite(mesh, "http://web:8080/x")).isNull();
        }
    }
}
