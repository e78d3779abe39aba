package io.proxyless.mesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Gateway rules, each shown failing on YAML loaded by the real loader. The spec starts on line 6. */
class GatewayValidatorTest {
    private static final String P = "gw.yaml:%d: Gateway default/bookinfo-gateway: ";

    private static List<String> problems(String spec) {
        return Loaded.problems("gw.yaml", "Gateway", "bookinfo-gateway", spec);
    }

    private static List<String> errors(String spec) {
        return Loaded.errors("gw.yaml", "Gateway", "bookinfo-gateway", spec);
    }

    private static String at(int line, String rest) {
        return P.formatted(line) + rest;
    }

    @Test
    void httpAndHttpsServersHaveNoProblems() {
        assertThat(problems("""
                selector: {istio: ingressgateway}
                servers:
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: ["bookinfo.example.com"]
                  tls: {httpsRedirect: true}
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: ["prod/bookinfo.example.com", "*/*.example.com"]
                  tls:
                    mode: SIMPLE
                    serverCertificate: /etc/certs/cert.pem
                    privateKey: /etc/certs/key.pem
                """)).isEmpty();
    }

    @Test
    void gatewayNameMustBeADnsLabel() {
        assertThat(Loaded.problems("gw.yaml", "Gateway", "bookinfo.gateway", """
                servers:
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: ["*"]
                """)).containsExactly("gw.yaml:4: Gateway default/bookinfo.gateway: metadata.name: invalid gateway"
                + " name: \"bookinfo.gateway\"");
    }

    @Test
    void atLeastOneServerIsRequired() {
        assertThat(problems("""
                selector: {istio: ingressgateway}
                """)).containsExactly(at(5, "spec.servers: gateway must have at least one server"));
    }

    @Test
    void serverNeedsHosts() {
        assertThat(problems("""
                servers:
                - port: {number: 80, name: http, protocol: HTTP}
                """)).containsExactly(at(7, "spec.servers[0].hosts: server config must contain at least one host"));
    }

    @Test
    void serverHostsAreNamespaceSlashFqdnOrFqdn() {
        assertThat(problems("""
                servers:
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts:
                  - bookinfo
                  - prod_ns/bookinfo.example.com
                  - "~/bookinfo.example.com"
                """)).containsExactly(
                at(9, "spec.servers[0].hosts[0]: short names (non FQDN) are not allowed"),
                at(10, "spec.servers[0].hosts[1]: invalid namespace value \"prod_ns\" in gateway"),
                at(11, "spec.servers[0].hosts[2]: invalid namespace value \"~\" in gateway"));
    }

    @Test
    void serverPortIsRequired() {
        assertThat(problems("""
                servers:
                - hosts: ["*"]
                """)).containsExactly(at(7, "spec.servers[0].port: port is required"));
    }

    @Test
    void serverPortNeedsAKnownProtocol() {
        assertThat(problems("""
                servers:
                - port: {number: 80, name: http, protocol: QUIC}
                  hosts: ["*"]
                """)).containsExactly(at(7, "spec.servers[0].port.protocol: invalid protocol \"QUIC\", supported"
                + " protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP"));
    }

    @Test
    void serverPortNeedsAValidNumberAndAName() {
        assertThat(problems("""
                servers:
                - port:
                    number: 0
                    protocol: HTTP
                  hosts: ["*"]
                """)).containsExactly(
                at(7, "spec.servers[0].port.name: port name must be set"),
                at(8, "spec.servers[0].port.number: port number 0 must be in the range 1..65535"));
    }

    @Test
    void serverPortNamesAreUnique() {
        assertThat(problems("""
                servers:
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: ["a.example.com"]
                - port: {number: 8080, name: http, protocol: HTTP}
                  hosts: ["b.example.com"]
                """)).containsExactly(at(9, "spec.servers[1].port.name: port names in servers must be unique: duplicate"
                + " name http"));
    }

    @Test
    void targetPortHasNoEffectOnGateways() {
        assertThat(errors("""
                servers:
                - port: {number: 80, name: http, protocol: HTTP, targetPort: 8080}
                  hosts: ["*"]
                """)).containsExactly(at(7, "spec.servers[0].port.targetPort: targetPort has no impact on Gateways"));
    }

    @Test
    void bindMustBeAnIpAddress() {
        assertThat(problems("""
                servers:
                - port: {number: 80, name: http, protocol: HTTP}
                  bind: localhost
                  hosts: ["*"]
                """)).containsExactly(at(8, "spec.servers[0].bind: localhost is not a valid IP"));
    }

    @Test
    void unixSocketBindNeedsPortZero() {
        assertThat(problems("""
                servers:
                - port: {number: 80, name: http, protocol: HTTP}
                  bind: unix:///var/run/gw.sock
                  hosts: ["*"]
                """)).containsExactly(at(7, "spec.servers[0].port.number: port number must be 0 for unix domain"
                + " socket"));
    }

    // ------------------------------------------------------------------ TLS

    @Test
    void httpsServerNeedsTlsSettings() {
        assertThat(problems("""
                servers:
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: ["*"]
                """)).containsExactly(at(7, "spec.servers[0].tls: server must have TLS settings for HTTPS/TLS"
                + " protocols"));
    }

    @Test
    void plainHttpServerCannotTerminateTls() {
        assertThat(problems("""
                servers:
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: ["*"]
                  tls:
                    mode: SIMPLE
                    serverCertificate: /etc/certs/cert.pem
                    privateKey: /etc/certs/key.pem
                """)).containsExactly(at(9, "spec.servers[0].tls: server cannot have TLS settings for plain text HTTP"
                + " ports"));
    }

    @Test
    void tcpServerCannotHaveTlsSettings() {
        assertThat(problems("""
                servers:
                - port: {number: 3306, name: mysql, protocol: TCP}
                  hosts: ["*"]
                  tls: {mode: PASSTHROUGH}
                """)).containsExactly(at(9, "spec.servers[0].tls: server cannot have TLS settings for non HTTPS/TLS"
                + " ports"));
    }

    @Test
    void simpleTlsNeedsCertificateAndKey() {
        assertThat(problems("""
                servers:
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: ["*"]
                  tls:
                    mode: SIMPLE
                """)).containsExactly(
                at(9, "spec.servers[0].tls.privateKey: SIMPLE TLS requires a private key"),
                at(9, "spec.servers[0].tls.serverCertificate: SIMPLE TLS requires a server certificate"));
    }

    @Test
    void mutualTlsNeedsAClientCaBundle() {
        assertThat(problems("""
                servers:
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: ["*"]
                  tls:
                    mode: MUTUAL
                    serverCertificate: /etc/certs/cert.pem
                    privateKey: /etc/certs/key.pem
                """)).containsExactly(at(9, "spec.servers[0].tls.caCertificates: MUTUAL TLS requires a client CA"
                + " bundle"));
    }

    @Test
    void istioMutualTakesNoCertificates() {
        assertThat(problems("""
                servers:
                - port: {number: 443, name: tls, protocol: TLS}
                  hosts: ["*"]
                  tls:
                    mode: ISTIO_MUTUAL
                    serverCertificate: /etc/certs/cert.pem
                """)).containsExactly(at(11, "spec.servers[0].tls.serverCertificate: ISTIO_MUTUAL TLS cannot have"
                + " associated server certificate"));
    }

    @Test
    void onlyOneCertificateSource() {
        assertThat(problems("""
                servers:
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: ["*"]
                  tls:
                    mode: SIMPLE
                    credentialName: bookinfo-cert
                    serverCertificate: /etc/certs/cert.pem
                    privateKey: /etc/certs/key.pem
                """)).containsExactly(at(9, "spec.servers[0].tls: only one of credential_name, credential_names,"
                + " server_certificate/private_key, tls_certificates should be specified"));
    }

    @Test
    void passthroughIgnoresCertificatesWithAWarning() {
        assertThat(problems("""
                servers:
                - port: {number: 443, name: tls, protocol: TLS}
                  hosts: ["*"]
                  tls:
                    mode: PASSTHROUGH
                    credentialName: bookinfo-cert
                """)).containsExactly("warning: " + at(9, "spec.servers[0].tls: PASSTHROUGH mode does not use"
                + " certificates, they will be ignored"));
    }

    @Test
    void crlIsNotSupportedWithSimpleTls() {
        assertThat(problems("""
                servers:
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: ["*"]
                  tls:
                    mode: SIMPLE
                    serverCertificate: /etc/certs/cert.pem
                    privateKey: /etc/certs/key.pem
                    caCrl: /etc/certs/crl.pem
                """)).containsExactly(at(13, "spec.servers[0].tls.caCrl: CRL is not supported with SIMPLE TLS"));
    }

    @Test
    void unknownCipherSuitesAreIgnoredWithAWarning() {
        assertThat(problems("""
                servers:
                - port: {number: 443, name: tls, protocol: TLS}
                  hosts: ["*"]
                  tls:
                    mode: PASSTHROUGH
                    cipherSuites: [ECDHE-RSA-AES128-GCM-SHA256, NOT-A-CIPHER, ECDHE-RSA-AES128-GCM-SHA256]
                """)).containsExactly(
                "warning: " + at(11, "spec.servers[0].tls.cipherSuites: ignoring duplicate cipher suites:"
                        + " [ECDHE-RSA-AES128-GCM-SHA256]"),
                "warning: " + at(11, "spec.servers[0].tls.cipherSuites: ignoring invalid cipher suites:"
                        + " [NOT-A-CIPHER]"));
    }

    @Test
    void oldTlsVersionsNeedExplicitCiphers() {
        assertThat(problems("""
                servers:
                - port: {number: 443, name: tls, protocol: TLS}
                  hosts: ["*"]
                  tls:
                    mode: PASSTHROUGH
                    minProtocolVersion: TLSV1_0
                """)).containsExactly("warning: " + at(11, "spec.servers[0].tls.minProtocolVersion: TLS version below"
                + " TLSV1_2 require setting compatible ciphers as by default they no longer include compatible"
                + " ciphers."));
    }

    @Test
    void httpsRedirectOnANonHttpServerIsAWarning() {
        assertThat(problems("""
                servers:
                - port: {number: 443, name: tls, protocol: TLS}
                  hosts: ["*"]
                  tls:
                    mode: PASSTHROUGH
                    httpsRedirect: true
                """)).containsExactly("warning: " + at(11, "spec.servers[0].tls.httpsRedirect: tls.httpsRedirect should"
                + " only be used with http servers"));
    }
}
