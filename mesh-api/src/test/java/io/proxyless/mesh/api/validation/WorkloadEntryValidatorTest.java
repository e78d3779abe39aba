package io.proxyless.mesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** WorkloadEntry rules, each shown failing on YAML loaded by the real loader. The spec starts on line 6. */
class WorkloadEntryValidatorTest {
    private static final String P = "we.yaml:%d: WorkloadEntry default/vm-1: ";

    private static List<String> problems(String spec) {
        return Loaded.problems("we.yaml", "WorkloadEntry", "vm-1", spec);
    }

    private static String at(int line, String rest) {
        return P.formatted(line) + rest;
    }

    @Test
    void vmWithIpPortsAndLabelsHasNoProblems() {
        assertThat(problems("""
                address: 10.0.0.7
                ports: {http: 8080, grpc: 9090}
                labels: {app: reviews, version: v1}
                locality: us-west/zone1
                weight: 10
                serviceAccount: reviews
                """)).isEmpty();
    }

    @Test
    void hostNameAddressIsAllowedForDnsResolution() {
        assertThat(problems("""
                address: vm1.corp.example.com
                """)).isEmpty();
    }

    @Test
    void addressIsRequired() {
        assertThat(problems("""
                labels: {app: reviews}
                """)).containsExactly(at(5, "spec.address: address is required"));
    }

    @Test
    void addressMayBeLeftOutForAnEndpointInAnotherNetworkWithAWarning() {
        assertThat(problems("""
                network: network-2
                """)).containsExactly("warning: " + at(5, "spec.address: address is unset with network"
                + " \"network-2\""), "warning: " + at(6, "spec.network: \"network\" is not supported by the client-side mesh and has no effect: endpoints are connected to directly; multi-network routing through east-west gateways is not done"));
    }

    @Test
    void addressMustBeAnIpOrHostName() {
        assertThat(problems("""
                address: vm_1.example.com
                """)).containsExactly(at(6, "spec.address: endpoint address \"vm_1.example.com\" is not a valid FQDN or"
                + " an IP address"));
    }

    @Test
    void unixAddressMustBeAnAbsolutePath() {
        assertThat(problems("""
                address: unix://var/run/app.sock
                """)).containsExactly(at(6, "spec.address: var/run/app.sock is not an absolute path to a file"));
    }

    @Test
    void unixAddressTakesNoPorts() {
        assertThat(problems("""
                address: unix:///var/run/app.sock
                ports:
                  http: 8080
                """)).containsExactly(at(7, "spec.ports: unix endpoint unix:///var/run/app.sock must not include"
                + " ports"));
    }

    @Test
    void portsMustBeValidNumbersWithValidNames() {
        assertThat(problems("""
                address: 10.0.0.7
                ports:
                  http_web: 8080
                  grpc: 70000
                """)).containsExactly(
                at(8, "spec.ports.http_web: invalid port name: http_web"),
                at(9, "spec.ports.grpc: port number 70000 must be in the range 1..65535"));
    }

    @Test
    void labelsMustBeKubernetesLabels() {
        assertThat(problems("""
                address: 10.0.0.7
                labels:
                  "app/": reviews
                """)).containsExactly(at(8, "spec.labels.app/: invalid tag key: \"app/\""));
    }

    @Test
    void weightCannotBeNegative() {
        assertThat(problems("""
                address: 10.0.0.7
                weight: -1
                """)).containsExactly(at(7, "spec.weight: weight must be non-negative"));
    }
}
