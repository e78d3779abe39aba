package io.proxyless.mesh.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubjectAltNamesTest {
    private static final TestPki.Issued CA = TestPki.ca("root");

    @Test
    void spiffeIdentitiesMatchUriSansExactly() {
        X509Certificate c = TestPki.leaf(CA, "reviews",
                List.of("URI:spiffe://cluster.local/ns/default/sa/reviews")).certificate();
        assertThat(SubjectAltNames.matchesAny(c, List.of("spiffe://cluster.local/ns/default/sa/reviews"))).isTrue();
        assertThat(SubjectAltNames.matchesAny(c, List.of("spiffe://cluster.local/ns/default/sa/ratings"))).isFalse();
        assertThat(SubjectAltNames.matchesAny(c, List.of("spiffe://other.domain/ns/default/sa/reviews"))).isFalse();
        assertThat(SubjectAltNames.of(c)).hasToString("[URI:spiffe://cluster.local/ns/default/sa/reviews]");
    }

    @Test
    void wildcardDnsSansCoverExactlyOneLeftmostLabel() {
        X509Certificate c = TestPki.leaf(CA, "wild", List.of("DNS:*.example.com")).certificate();
        assertThat(SubjectAltNames.matchesHost(c, "api.example.com")).isTrue();
        assertThat(SubjectAltNames.matchesHost(c, "API.Example.COM.")).isTrue();
        assertThat(SubjectAltNames.matchesHost(c, "example.com")).isFalse();
        assertThat(SubjectAltNames.matchesHost(c, "a.b.example.com")).isFalse();
        assertThat(SubjectAltNames.matchesAny(c, List.of("api.example.com"))).isTrue();
    }

    @Test
    void ipHostsMatchIpSansOnly() {
        X509Certificate c = TestPki.leaf(CA, "ip", List.of("IP:127.0.0.1", "DNS:localhost", "IP:::1")).certificate();
        assertThat(SubjectAltNames.matchesHost(c, "127.0.0.1")).isTrue();
        assertThat(SubjectAltNames.matchesHost(c, "[::1]")).isTrue();
        assertThat(SubjectAltNames.matchesHost(c, "0:0:0:0:0:0:0:1")).isTrue();
        assertThat(SubjectAltNames.matchesHost(c, "127.0.0.2")).isFalse();
        assertThat(SubjectAltNames.matchesHost(c, "localhost")).isTrue();
    }

    @Test
    void theCommonNameIsNotAName() {
        X509Certificate c = TestPki.leaf(CA, "reviews.default.svc.cluster.local", List.of()).certificate();
        assertThat(SubjectAltNames.matchesHost(c, "reviews.default.svc.cluster.local")).isFalse();
        assertThat(SubjectAltNames.matchesAny(c, List.of("reviews.default.svc.cluster.local"))).isFalse();
    }
}
