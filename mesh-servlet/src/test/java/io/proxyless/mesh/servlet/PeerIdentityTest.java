package io.proxyless.mesh.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.tls.TestPki;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerIdentityTest {
    private static final TestPki.Issued ROOT = TestPki.ca("root");

    @Test
    void theSpiffeUriIsTheIdentity() {
        TestPki.Issued leaf = TestPki.leaf(ROOT, "sleep", List.of("DNS:sleep.default.svc",
                "URI:https://example.com/not-spiffe", "URI:spiffe://cluster.local/ns/default/sa/sleep"));
        assertThat(PeerIdentity.of(leaf.certificate())).isEqualTo("spiffe://cluster.local/ns/default/sa/sleep");
    }

    @Test
    void aCertificateWithoutSpiffeIdHasNoIdentity() {
        assertThat(PeerIdentity.of(TestPki.leaf(ROOT, "web", List.of("DNS:web")).certificate())).isNull();
        assertThat(PeerIdentity.of(TestPki.leaf(ROOT, "bare", List.of()).certificate())).isNull();
    }
}
