package io.proxyless.mesh.api.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.loader.ConfigLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Security policies naming ports the selected workloads don't serve. */
class PolicyPortAnalyzerTest {
    private static final String REVIEWS = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints:
              - {address: 10.0.0.1, labels: {app: reviews, version: v1}}
              - {address: 10.0.0.2, ports: {http: 9180}, labels: {app: reviews, version: v2}}
            ---
            """;

    private static List<String> portFindings(String yaml) {
        return ConfigLoader.create().loadString("policy.yaml", REVIEWS + yaml).problems().stream()
                .filter(p -> p.message().contains("selected workloads serve")).map(Problem::format).toList();
    }

    @Test
    void portsTheSelectedWorkloadsDoNotServeAreWarnedAboutWithTheirLine() {
        assertThat(portFindings("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: reviews, namespace: default}
                spec:
                  selector: {matchLabels: {app: reviews}}
                  rules:
                  - to: [{operation: {ports: ["9080", "8080"]}}]
                    when: [{key: destination.port, notValues: ["9180", "7070"]}]
                ---
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: reviews, namespace: default}
                spec:
                  selector: {matchLabels: {version: v2}}
                  portLevelMtls: {"9180": {mode: STRICT}, "9080": {mode: DISABLE}}
                """)).containsExactly(
                "warning: policy.yaml:19: AuthorizationPolicy default/reviews: spec.rules[0].to[0].operation.ports[1]:"
                        + " port 8080 is not a port the selected workloads serve (they serve [9080, 9180]), so it"
                        + " never applies",
                "warning: policy.yaml:20: AuthorizationPolicy default/reviews: spec.rules[0].when[0].notValues[1]:"
                        + " port 7070 is not a port the selected workloads serve (they serve [9080, 9180]), so it"
                        + " never applies",
                "warning: policy.yaml:27: PeerAuthentication default/reviews: spec.portLevelMtls.9080:"
                        + " portLevelMtls 9080 is not a port the selected workloads serve (they serve [9180]), so it"
                        + " never applies");
    }

    @Test
    void policiesWithoutSelectorOrSelectingNoKnownWorkloadAreNotChecked() {
        assertThat(portFindings("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: ns-wide, namespace: default}
                spec:
                  rules: [{to: [{operation: {ports: ["8080"]}}]}]
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: ratings, namespace: default}
                spec:
                  selector: {matchLabels: {app: ratings}}
                  rules: [{to: [{operation: {ports: ["8080"]}}]}]
                """)).isEmpty();
    }
}
