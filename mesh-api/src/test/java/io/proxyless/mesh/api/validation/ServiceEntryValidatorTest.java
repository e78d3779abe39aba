package io.proxyless.mesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.loader.ConfigLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ServiceEntry rules, each shown failing on YAML loaded by the real loader. The spec starts on line 6. */
class ServiceEntryValidatorTest {
    private static final String P = "se.yaml:%d: ServiceEntry default/external-api: ";

    private static List<String> problems(String spec) {
        return Loaded.problems("se.yaml", "ServiceEntry", "external-api", spec);
    }

    private static String at(int line, String rest) {
        return P.formatted(line) + rest;
    }

    @Test
    void dnsEntryForAnExternalApiHasNoProblems() {
        assertThat(problems("""
                hosts: [api.example.com]
                ports:
                - {number: 443, name: https, protocol: TLS}
                - {number: 80, name: http, protocol: HTTP}
                location: MESH_EXTERNAL
                resolution: DNS
                """)).isEmpty();
    }

    @Test
    void staticEntryWithEndpointsHasNoProblems() {
        assertThat(problems("""
                hosts: [db.internal.example.com]
                addresses: [10.1.0.0/16]
                ports:
                - {number: 5432, name: tcp-pg, protocol: TCP}
                resolution: STATIC
                endpoints:
                - address: 10.1.2.3
                  ports: {tcp-pg: 6432}
                  labels: {role: primary}
                exportTo: ["~"]
                """)).isEmpty();
    }

    // ------------------------------------------------------------------ hosts and addresses

    @Test
    void atLeastOneHostIsRequired() {
        assertThat(problems("""
                ports:
                - {number: 80, name: http, protocol: HTTP}
                resolution: DNS
                """)).containsExactly(at(5, "spec.hosts: service entry must have at least one host"));
    }

    @Test
    void bareStarHostIsRejected() {
        assertThat(problems("""
                hosts: ["*"]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                """)).containsExactly(at(6, "spec.hosts[0]: invalid host *"));
    }

    @Test
    void hostsMustBeValidDomainNames() {
        assertThat(problems("""
                hosts:
                - api.example.com
                - api_v2.example.com
                ports:
                - {number: 80, name: http, protocol: HTTP}
                """)).containsExactly(at(8, "spec.hosts[1]: domain name \"api_v2.example.com\" invalid (label"
                + " \"api_v2\" invalid)"));
    }

    @Test
    void partialWildcardHostIsAWarning() {
        assertThat(problems("""
                hosts: ["*-api.example.com"]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                """)).containsExactly("warning: " + at(6, "spec.hosts[0]: partial wildcard \"*-api.example.com\" not"
                + " allowed"));
    }

    @Test
    void addressesMustBeIpsOrCidrBlocks() {
        assertThat(problems("""
                hosts: [db.example.com]
                addresses:
                - 10.0.0.0/33
                - db.example.com
                ports:
                - {number: 80, name: http, protocol: HTTP}
                """)).containsExactly(
                at(8, "spec.addresses[0]: 10.0.0.0/33 is not a valid CIDR block"),
                at(9, "spec.addresses[1]: db.example.com is not a valid IP"));
    }

    @Test
    void cidrAddressesOnlyWithNoneOrStaticResolution() {
        assertThat(problems("""
                hosts: [db.example.com]
                addresses: [10.0.0.0/16]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                resolution: DNS
                """)).containsExactly(at(7, "spec.addresses: CIDR addresses are allowed only for NONE/STATIC resolution"
                + " types"));
    }

    // ------------------------------------------------------------------ ports

    @Test
    void portNamesAreUnique() {
        assertThat(problems("""
                hosts: [api.example.com]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                - {number: 8080, name: http, protocol: HTTP}
                resolution: DNS
                """)).containsExactly(at(9, "spec.ports[1].name: service entry port name \"http\" already defined"));
    }

    @Test
    void portNumbersAreUnique() {
        assertThat(problems("""
                hosts: [api.example.com]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                - {number: 80, name: http-alt, protocol: HTTP}
                resolution: DNS
                """)).containsExactly(at(9, "spec.ports[1].number: service entry port 80 already defined"));
    }

    @Test
    void portNumberNameAndProtocolMustBeValid() {
        assertThat(problems("""
                hosts: [api.example.com]
                ports:
                - number: 0
                  name: web_1
                  protocol: QUIC
                resolution: DNS
                """)).containsExactly(
                at(8, "spec.ports[0].number: port number 0 must be in the range 1..65535"),
                at(9, "spec.ports[0].name: invalid port name: web_1"),
                at(10, "spec.ports[0].protocol: unsupported protocol: QUIC"));
    }

    @Test
    void portNumberAndNameAreRequired() {
        assertThat(problems("""
                hosts: [api.example.com]
                ports:
                - protocol: HTTP
                resolution: DNS
                """)).containsExactly(
                at(8, "spec.ports[0].name: port name is required"),
                at(8, "spec.ports[0].number: port number is required"));
    }

    @Test
    void tcpPortsWithoutAddressesAreAWarningWhenNothingAllocatesThem() {
        assertThat(problems("""
                hosts: [db.example.com]
                ports:
                - {number: 5432, name: tcp-pg, protocol: TCP}
                resolution: NONE
                """)).containsExactly("warning: " + at(8, "spec.ports[0].protocol: addresses are required for ports"
                + " serving TCP (or unset) protocol when IP Autoallocation is not enabled"));
    }

    @Test
    void tcpPortsWithoutAddressesAreFineWhenIstioAllocatesThem() {
        assertThat(problems("""
                hosts: [db.example.com]
                ports:
                - {number: 5432, name: tcp-pg, protocol: TCP}
                resolution: DNS
                """)).isEmpty();
    }

    @Test
    void multipleHostsNeedHttpOrTlsPorts() {
        assertThat(problems("""
                hosts: [a.example.com, b.example.com]
                ports:
                - {number: 5432, name: tcp-pg, protocol: TCP}
                resolution: DNS
                """)).containsExactly(at(6, "spec.hosts: multiple hosts provided with non-HTTP, non-TLS ports"));
    }

    // ------------------------------------------------------------------ endpoints and resolution

    @Test
    void workloadSelectorAndEndpointsAreExclusive() {
        assertThat(problems("""
                hosts: [vm.example.com]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                resolution: STATIC
                workloadSelector:
                  labels: {app: vm}
                endpoints:
                - address: 10.0.0.1
                """)).containsExactly(at(12, "spec.endpoints: only one of WorkloadSelector or Endpoints is allowed in"
                + " Service Entry"));
    }

    @Test
    void resolutionNoneTakesNoEndpoints() {
        assertThat(problems("""
                hosts: [api.example.com]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                endpoints:
                - address: 10.0.0.1
                """)).containsExactly(at(9, "spec.endpoints: no endpoints should be provided for resolution type none"));
    }

    @Test
    void resolutionNoneWithWorkloadSelectorIsAWarning() {
        assertThat(problems("""
                hosts: [api.example.com]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                workloadSelector:
                  labels: {app: vm}
                """)).containsExactly("warning: " + at(9, "spec.workloadSelector: workloadSelector should not be set"
                + " when resolution mode is NONE"));
    }

    @Test
    void staticEndpointsNeedIpAddresses() {
        assertThat(problems("""
                hosts: [api.example.com]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                resolution: STATIC
                endpoints:
                - address: vm1.example.com
                """)).containsExactly(at(11, "spec.endpoints[0].address: endpoint address \"vm1.example.com\" is not a"
                + " valid IP address"));
    }

    @Test
    void endpointPortsMustNameServicePorts() {
        assertThat(problems("""
                hosts: [api.example.com]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                resolution: STATIC
                endpoints:
                - address: 10.0.0.1
                  ports:
                    htp: 8080
                """)).containsExactly(at(13, "spec.endpoints[0].ports.htp: endpoint port 8080 is not defined by the"
                + " service entry"));
    }

    @Test
    void staticWithoutEndpointsOrSelectorIsAWarning() {
        assertThat(problems("""
                hosts: [api.example.com]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                resolution: STATIC
                """)).containsExactly("warning: " + at(9, "spec.resolution: resolution STATIC without endpoints or a"
                + " workloadSelector has no endpoints; calls to these hosts will fail"));
    }

    @Test
    void unixEndpointTakesNoPorts() {
        assertThat(problems("""
                hosts: [local.example.com]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                resolution: STATIC
                endpoints:
                - address: unix:///var/run/app.sock
                  ports: {http: 8080}
                """)).containsExactly(at(12, "spec.endpoints[0].ports: unix endpoint unix:///var/run/app.sock must not"
                + " include ports"));
    }

    @Test
    void dnsWithoutEndpointsNeedsResolvableHosts() {
        assertThat(problems("""
                hosts: ["*.example.com"]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                resolution: DNS
                """)).containsExactly(at(6, "spec.hosts[0]: hosts must be FQDN or contain only prefix wildcards if no"
                + " endpoints are provided for resolution mode DNS, domain name \"*.example.com\" invalid (label \"*\""
                + " invalid)"));
    }

    @Test
    void dnsRoundRobinTakesAtMostOneEndpoint() {
        assertThat(problems("""
                hosts: [api.example.com]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                resolution: DNS_ROUND_ROBIN
                endpoints:
                - address: a.example.com
                - address: b.example.com
                """)).containsExactly(at(10, "spec.endpoints: there must only be 0 or 1 endpoint for resolution mode"
                + " DNS_ROUND_ROBIN"));
    }

    @Test
    void dnsEndpointsNeedHostNamesOrIps() {
        assertThat(problems("""
                hosts: [api.example.com]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                resolution: DNS
                endpoints:
                - address: backend_1.example.com
                """)).containsExactly(at(11, "spec.endpoints[0].address: endpoint address \"backend_1.example.com\" is"
                + " not a valid FQDN or an IP address"));
    }

    @Test
    void dynamicDnsNeedsWildcardHostsAndHttpOrTls() {
        assertThat(problems("""
                hosts: [api.example.com]
                ports:
                - {number: 5432, name: tcp-pg, protocol: TCP}
                resolution: DYNAMIC_DNS
                """)).containsExactly(
                at(6, "spec.hosts[0]: host must be wildcarded for resolution mode DYNAMIC_DNS"),
                at(8, "spec.ports[0].protocol: only HTTP, TLS, GRPC, and HTTP2 protocols are supported for resolution"
                        + " type DYNAMIC_DNS"));
    }

    @Test
    void dynamicDnsTakesNoAddresses() {
        assertThat(problems("""
                hosts: ["*.example.com"]
                addresses: [10.0.0.1]
                ports:
                - {number: 443, name: tls, protocol: TLS}
                resolution: DYNAMIC_DNS
                """)).containsExactly(at(7, "spec.addresses: addresses cannot be set for resolution type DYNAMIC_DNS."
                + " HTTP route domains will only be generated from the hosts field values"));
    }

    // ------------------------------------------------------------------ exportTo, workloadSelector

    @Test
    void exportToNoOneCannotBeMixedWithOthers() {
        assertThat(problems("""
                hosts: [api.example.com]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                resolution: DNS
                exportTo: ["~", "."]
                """)).containsExactly(at(10, "spec.exportTo: cannot export service entry to no one (~) and someone"));
    }

    @Test
    void workloadSelectorWithoutLabelsIsAWarning() {
        assertThat(problems("""
                hosts: [vm.example.com]
                ports:
                - {number: 80, name: http, protocol: HTTP}
                resolution: STATIC
                workloadSelector: {}
                """)).containsExactly("warning: " + at(10, "spec.workloadSelector.labels: workload selector specified"
                + " without labels, will be applied to all services in namespace"));
    }

    @Test
    void autoAllocationOptOutLabelIsHonoured() {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: external-api
                  labels:
                    networking.istio.io/enable-autoallocate-ip: "false"
                spec:
                  hosts: [db.example.com]
                  ports:
                  - {number: 5432, name: tcp-pg, protocol: TCP}
                  resolution: DNS
                """;
        assertThat(ConfigLoader.create().loadString("se.yaml", yaml).problems().stream()
                .filter(p -> p.code() == null).map(Problem::format))
                .containsExactly("warning: " + at(10, "spec.ports[0].protocol: addresses are required for ports"
                        + " serving TCP (or unset) protocol when IP Autoallocation is not enabled"));
    }
}
