package io.proxyless.mesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bootstrap shown in docs/istiod.md is one the xDS source accepts and reads as the doc explains. */
class IstiodDocTest {
    private static final Path DOC = Path.of("..", "docs", "istiod.md");

    @Test
    void documentedBootstrapParsesAsAProxylessIstioNode() throws IOException {
        String json = codeBlocks(Files.readString(DOC)).stream().filter(b -> b.contains("\"xds_servers\""))
                .findFirst().orElseThrow();
        XdsBootstrap bootstrap = XdsBootstrap.parse(json, "docs/istiod.md");
        assertThat(bootstrap.server().uri()).isEqualTo("unix:///etc/istio/proxy/XDS");
        assertThat(bootstrap.node().id()).isEqualTo("sidecar~10.1.2.3~reviews-v1-7d4b9.shop~shop.svc.cluster.local");
        assertThat(bootstrap.node().proxyless()).isTrue();
        assertThat(bootstrap.node().namespace()).contains("shop");
        assertThat(bootstrap.node().locality()).startsWith("us-east1/us-east1-b");
        assertThat(bootstrap.certificateProviders()).containsKey("default");
    }

    private static List<String> codeBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        StringBuilder current = null;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("```")) {
                if (current == null) {
                    current = new StringBuilder();
                } else {
                    blocks.add(current.toString());
                    current = null;
                }
            } else if (current != null) {
                current.append(line).append('\n');
            }
        }
        return blocks;
    }
}
