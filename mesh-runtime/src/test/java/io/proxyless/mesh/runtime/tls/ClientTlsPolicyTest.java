package io.proxyless.mesh.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.api.ClientTLSSettings.TLSmode;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientTlsPolicyTest {
    @TempDir
    Path dir;

    private static final String SERVICE = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              subjectAltNames: ["spiffe://cluster.local/ns/shop/sa/legacy"]
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints:
              - {address: 10.0.0.1, serviceAccount: reviews, labels: {version: v1}}
              - {address: 10.0.0.2, serviceAccount: reviews-v2, labels: {version: v2}}
            """;

    private ClientTlsPolicy policy(String tls) throws IOException {
        Files.writeString(dir.resolve("se.yaml"), SERVICE);
        Files.writeString(dir.resolve("dr.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  subsets: [{name: v1, labels: {version: v1}}]
                  trafficPolicy:
                    tls:
                """ + tls.stripIndent().lines().map(l -> "      " + l + "\n").reduce("", String::concat));
        try (Mesh mesh = Mesh.builder().configPaths(dir).namespace("shop").watch(false).build()) {
            RouteDecision d = mesh.route(RouteRequest.builder("GET", "http://reviews:9080/").build());
            return ClientTlsPolicy.resolve(d.cluster(), mesh.snapshot().registry().lookup(d.cluster().host())
                    .orElseThrow(), Path.of("/etc/certs"), "cluster.local");
        }
    }

    @Test
    void istioMutualVerifiesTheServiceIdentitiesAndSendsIstiosSni() throws IOException {
        ClientTlsPolicy p = policy("mode: ISTIO_MUTUAL");
        assertThat(p.mode()).isEqualTo(TLSmode.ISTIO_MUTUAL);
        assertThat(p.clientCertificate()).isEqualTo(Path.of("/etc/certs/cert-chain.pem"));
        assertThat(p.privateKey()).isEqualTo(Path.of("/etc/certs/key.pem"));
        assertThat(p.caCertificates()).isEqualTo(Path.of("/etc/certs/root-cert.pem"));
        assertThat(p.sni()).isEqualTo("outbound_.9080_._.reviews.shop.svc.cluster.local");
        assertThat(p.subjectAltNames()).containsExactly("spiffe://cluster.local/ns/shop/sa/legacy",
                "spiffe://cluster.local/ns/shop/sa/reviews", "spiffe://cluster.local/ns/shop/sa/reviews-v2");
        assertThat(p.autoSanValidation()).isFalse();
    }

    @Test
    void istioMutualTakesConfiguredSansAndSni() throws IOException {
        ClientTlsPolicy p = policy("""
                mode: ISTIO_MUTUAL
                sni: reviews.example
                subjectAltNames: ["spiffe://cluster.local/ns/shop/sa/only"]
                """);
        assertThat(p.sni()).isEqualTo("reviews.example");
        assertThat(p.subjectAltNames()).containsExactly("spiffe://cluster.local/ns/shop/sa/only");
    }

    @Test
    void istioMutualWithoutACertificateDirectoryIsAClearError() throws IOException {
        Files.writeString(dir.resolve("se.yaml"), SERVICE);
        Files.writeString(dir.resolve("dr.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
                """);
        try (Mesh mesh = Mesh.builder().configPaths(dir).namespace("shop").watch(false).build()) {
            RouteDecision d = mesh.route(RouteRequest.builder("GET", "http://reviews:9080/").build());
            assertThatThrownBy(() -> ClientTlsContexts.builder().build().forCluster(mesh.snapshot(), d.cluster()))
                    .isInstanceOf(TlsConfigException.class)
                    .hasMessageContaining("outbound|9080||reviews.shop.svc.cluster.local")
                    .hasMessageContaining("ISTIO_MUTUAL");
        }
    }

    @Test
    void simpleWithoutSniOrSansValidatesTheRequestHost() throws IOException {
        ClientTlsPolicy p = policy("{mode: SIMPLE}");
        assertThat(p.autoSanValidation()).isTrue();
        assertThat(p.sni()).isNull();
        assertThat(p.caCertificates()).as("system roots").isNull();
        assertThat(p.clientCertificate()).isNull();
    }

    @Test
    void simpleWithSniOnlyChecksTheServiceEntryIdentities() throws IOException {
        Path ca = dir.resolve("ca.pem");
        TestPki.ca("root").writeCertificate(ca);
        ClientTlsPolicy p = policy("{mode: SIMPLE, sni: reviews.example, caCertificates: " + ca + "}");
        assertThat(p.autoSanValidation()).isFalse();
        assertThat(p.subjectAltNames()).contains("spiffe://cluster.local/ns/shop/sa/legacy");
        assertThat(p.caCertificates()).isEqualTo(ca);
    }

    @Test
    void insecureSkipVerifyChecksNothing() throws IOException {
        ClientTlsPolicy p = policy("{mode: SIMPLE, insecureSkipVerify: true}");
        assertThat(p.insecureSkipVerify()).isTrue();
        assertThat(p.autoSanValidation()).isFalse();
        assertThat(p.subjectAltNames()).isEmpty();
    }

    @Test
    void mutualUsesTheGivenFiles() throws IOException {
        // The files must exist and fit together: the config is rejected otherwise (TlsFileReferencesTest).
        TestPki.Issued root = TestPki.ca("root");
        TestPki.Issued client = TestPki.leaf(root, "client", List.of());
        root.writeCertificate(dir.resolve("ca.pem"));
        client.writeCertificate(dir.resolve("c.pem"));
        client.writePrivateKey(dir.resolve("k.pem"));
        ClientTlsPolicy p = policy("""
                mode: MUTUAL
                clientCertificate: %s
                privateKey: %s
                caCertificates: %s
                subjectAltNames: [reviews.shop]
                """.formatted(dir.resolve("c.pem"), dir.resolve("k.pem"), dir.resolve("ca.pem")));
        assertThat(p.clientCertificate()).isEqualTo(dir.resolve("c.pem"));
        assertThat(p.privateKey()).isEqualTo(dir.resolve("k.pem"));
        assertThat(p.subjectAltNames()).containsExactly("reviews.shop");
        assertThat(p.autoSanValidation()).isFalse();
    }

    @Test
    void disableMeansPlainText() throws IOException {
        assertThat(policy("{mode: DISABLE}")).isNull();
    }

    @Test
    void identitiesListServiceAccountsOnce() {
        assertThat(SpiffeId.of("td", "ns", "sa")).isEqualTo("spiffe://td/ns/ns/sa/sa");
        assertThat(ClientTlsPolicy.identities(null, "td")).isEqualTo(List.of());
    }
}
