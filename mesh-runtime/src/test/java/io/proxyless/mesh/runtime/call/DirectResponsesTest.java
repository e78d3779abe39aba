package io.proxyless.mesh.runtime.call;

import static io.proxyless.mesh.runtime.call.CallFixture.WEB;
import static io.proxyless.mesh.runtime.call.CallFixture.get;
import static io.proxyless.mesh.runtime.call.CallFixture.mesh;
import static io.proxyless.mesh.runtime.call.CallFixture.virtualService;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectResponsesTest {

    @Test
    void stringBodiesAreUtf8AndByteBodiesAreBase64DecodedWhenTheConfigIsCompiled(@TempDir Path dir) {
        try (Mesh mesh = mesh(dir, WEB, virtualService("""
                - match: [{uri: {prefix: /text}}]
                  directResponse: {status: 503, body: {string: "down ✓"}}
                - match: [{uri: {prefix: /bytes}}]
                  directResponse: {status: 200, body: {bytes: AAEC}}
                - directResponse: {status: 204}
                """))) {
            assertThat(new String(DirectResponses.body(mesh.route(get("http://web:8080/text"))),
                    StandardCharsets.UTF_8)).isEqualTo("down ✓");
            RouteDecision bytes = mesh.route(get("http://web:8080/bytes"));
            assertThat(DirectResponses.body(bytes)).containsExactly(0, 1, 2);
            // Each call gets its own copy: a caller cannot change the snapshot's body.
            DirectResponses.body(bytes)[0] = 9;
            assertThat(DirectResponses.body(bytes)).containsExactly(0, 1, 2);
            assertThat(DirectResponses.body(mesh.route(get("http://web:8080/other")))).isEmpty();
        }
    }
}
