package io.proxyless.mesh.runtime.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.HTTPBody;
import io.proxyless.mesh.api.HTTPDirectResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DirectResponsesTest {

    @Test
    void stringBodiesAreUtf8AndByteBodiesAreBase64() {
        assertThat(new String(DirectResponses.body(HTTPDirectResponse.of(503, HTTPBody.ofString("down ✓"))),
                StandardCharsets.UTF_8)).isEqualTo("down ✓");
        assertThat(DirectResponses.body(HTTPDirectResponse.of(200, HTTPBody.ofBase64("AAEC")))).containsExactly(0, 1, 2);
        assertThat(DirectResponses.body(HTTPDirectResponse.of(204, null))).isEmpty();
        assertThat(DirectResponses.status(HTTPDirectResponse.of(418, null))).isEqualTo(418);
    }
}
