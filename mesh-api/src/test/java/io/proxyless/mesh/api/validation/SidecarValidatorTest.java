package io.proxyless.mesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Sidecar rules, each shown failing on YAML loaded by the real loader. The spec starts on line 6. */
class SidecarValidatorTest {
    private static final String P = "sc.yaml:%d: Sidecar default/default: ";

    private static List<String> problems(String spec) {
        return Loaded.problems("sc.yaml", "Sidecar", "default", spec);
    }

    private static List<String> errors(String spec) {
        return Loaded.errors("sc.yaml", "Sidecar", "default", spec);
    }

    private static String at(int line, String rest) {
        return P.formatted(line) + rest;
    }

    @Test
    void typicalNamespaceScopeHasNoProblems() {
        assertThat(problems("""
                egress:
                - port: {number: 9080, protocol: HTTP, name: http}
                  hosts: ["./reviews.default.svc.cluster.local"]
                - hosts: ["./*", "istio-system/*", "~/*.internal.example.com", "*/*.example.com"]
                outboundTrafficPolicy:
                  mode: REGISTRY_ONLY
                """)).isEmpty();
    }

    @Test
    void emptySidecarIsRejected() {
        assertThat(problems("""
                {}
                """)).containsExactly(at(5, "spec: empty configuration provided"));
    }

    @Test
    void egressListenerNeedsHosts() {
        assertThat(problems("""
                egress:
                - port: {number: 9080, protocol: HTTP, name: http}
                """)).containsExactly(at(7, "spec.egress[0].hosts: egress listener must contain at least one host"));
    }

    @Test
    void egressHostsAreNamespaceSlashDnsName() {
        assertThat(problems("""
                egress:
                - hosts:
                  - reviews.default.svc.cluster.local
                """)).containsExactly(at(8, "spec.egress[0].hosts[0]: host must be of form namespace/dnsName"));
    }

    @Test
    void egressHostNamespaceMustBeValid() {
        assertThat(problems("""
                egress:
                - hosts:
                  - "prod_ns/*"
                """)).containsExactly(at(8, "spec.egress[0].hosts[0]: invalid namespace value \"prod_ns\" in sidecar"));
    }

    @Test
    void egressHostsMustBeFullyQualified() {
        assertThat(problems("""
                egress:
                - hosts:
                  - default/reviews
                """)).containsExactly(at(8, "spec.egress[0].hosts[0]: short names (non FQDN) are not allowed"));
    }

    @Test
    void egressHostWildcardOnlyAsLeadingLabel() {
        assertThat(problems("""
                egress:
                - hosts:
                  - "default/*-reviews.example.com"
                """)).containsExactly(at(8, "spec.egress[0].hosts[0]: partial wildcard \"*-reviews.example.com\" not"
                + " allowed"));
    }

    @Test
    void emptyNamespaceOrNameIsRejected() {
        assertThat(problems("""
                egress:
                - hosts:
                  - "/reviews.example.com"
                """)).containsExactly(at(8, "spec.egress[0].hosts[0]: config namespace and dnsName in host entry cannot"
                + " be empty"));
    }

    @Test
    void portlessEgressListenerMustBeLast() {
        assertThat(problems("""
                egress:
                - hosts: ["./*"]
                - port: {number: 9080, protocol: HTTP, name: http}
                  hosts: ["istio-system/*"]
                """)).containsExactly(at(7, "spec.egress[0].port: the egress listener with empty port should be the"
                + " last listener in the list"));
    }

    @Test
    void ofTwoPortlessEgressListenersTheFirstIsReported() {
        assertThat(problems("""
                egress:
                - hosts: ["./*"]
                - hosts: ["istio-system/*"]
                """)).containsExactly(
                at(7, "spec.egress[0].port: the egress listener with empty port should be the last listener in the"
                        + " list"));
    }

    @Test
    void egressPortsAreUnique() {
        assertThat(problems("""
                egress:
                - port: {number: 9080, protocol: HTTP, name: http}
                  hosts: ["./*"]
                - port: {number: 9080, protocol: HTTP, name: http-2}
                  hosts: ["istio-system/*"]
                """)).containsExactly(at(9, "spec.egress[1].port.number: ports on IP bound listeners must be unique"));
    }

    @Test
    void egressPortProtocolMustBeKnown() {
        assertThat(problems("""
                egress:
                - port: {number: 9080, protocol: QUIC, name: quic}
                  hosts: ["./*"]
                """)).containsExactly(at(7, "spec.egress[0].port.protocol: unsupported protocol: QUIC"));
    }

    @Test
    void egressPortZeroNeedsAUnixSocketBind() {
        assertThat(errors("""
                egress:
                - port: {number: 0, protocol: HTTP, name: http}
                  hosts: ["./*"]
                """)).containsExactly(at(7, "spec.egress[0].bind: ports with 0 value must have a unix domain socket bind"
                + " address"));
    }

    @Test
    void repeatedEgressHostIsAWarning() {
        assertThat(problems("""
                egress:
                - hosts:
                  - "default/*"
                  - "./reviews.default.svc.cluster.local"
                """)).containsExactly("warning: " + at(9, "spec.egress[0].hosts[1]: duplicated egress host:"
                + " ./reviews.default.svc.cluster.local"));
    }

    @Test
    void starSlashStarWithOtherHostsIsAWarning() {
        assertThat(problems("""
                egress:
                - hosts:
                  - "*/*"
                  - "istio-system/*"
                """)).containsExactly("warning: " + at(7, "spec.egress[0].hosts: `*/*` host select all resources, no"
                + " other hosts can be added"));
    }

    @Test
    void egressProxyOnlyWithAllowAny() {
        assertThat(problems("""
                outboundTrafficPolicy:
                  mode: REGISTRY_ONLY
                  egressProxy:
                    host: egress.example.com
                    port: {number: 3128}
                """)).containsExactly("warning: " + at(8, "spec.outboundTrafficPolicy.egressProxy: \"egressProxy\" is not supported by the client-side mesh and has no effect: unknown hosts are connected to directly under ALLOW_ANY; an egress proxy is not used"),
                at(8, "spec.outboundTrafficPolicy.egressProxy: egress_proxy must be set only with"
                + " ALLOW_ANY outbound_traffic_policy mode"));
    }

    @Test
    void egressProxyNeedsAPort() {
        assertThat(problems("""
                outboundTrafficPolicy:
                  mode: ALLOW_ANY
                  egressProxy:
                    host: egress.example.com
                """)).containsExactly("warning: " + at(8, "spec.outboundTrafficPolicy.egressProxy: \"egressProxy\" is not supported by the client-side mesh and has no effect: unknown hosts are connected to directly under ALLOW_ANY; an egress proxy is not used"),
                at(8, "spec.outboundTrafficPolicy.egressProxy.port: egress_proxy port must be"
                + " non-nil"));
    }

    @Test
    void egressProxyHostMustBeAnFqdn() {
        assertThat(problems("""
                outboundTrafficPolicy:
                  mode: ALLOW_ANY
                  egressProxy:
                    host: "*.example.com"
                    port: {number: 3128}
                """)).containsExactly("warning: " + at(8, "spec.outboundTrafficPolicy.egressProxy: \"egressProxy\" is not supported by the client-side mesh and has no effect: unknown hosts are connected to directly under ALLOW_ANY; an egress proxy is not used"),
                at(9, "spec.outboundTrafficPolicy.egressProxy.host: domain name \"*.example.com\""
                + " invalid (label \"*\" invalid)"));
    }

    @Test
    void workloadSelectorLabelsCannotUseWildcards() {
        assertThat(problems("""
                workloadSelector:
                  labels:
                    app: "*"
                egress:
                - hosts: ["./*"]
                """)).containsExactly(at(8, "spec.workloadSelector.labels.app: wildcard is not supported in selector:"
                + " \"app=*\""));
    }

    @Test
    void ingressListenerNeedsAPort() {
        assertThat(errors("""
                ingress:
                - defaultEndpoint: 127.0.0.1:8080
                """)).containsExactly(at(7, "spec.ingress[0].port: port is required for ingress listeners"));
    }

    @Test
    void ingressDefaultEndpointMustBeLoopbackOrAnyAddress() {
        assertThat(errors("""
                ingress:
                - port: {number: 9080, protocol: HTTP, name: http}
                  defaultEndpoint: 10.0.0.1:8080
                """)).containsExactly(at(8, "spec.ingress[0].defaultEndpoint: defaultEndpoint must be of form"
                + " 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset"));
    }
}
