package io.proxyless.mesh.api.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.api.loader.LoadedConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each fixture under {@code analysis/} is one scenario of Istio's analyzer test cases, written for this project:
 * its {@code # expect: CODE KIND NS/NAME PATH} lines are every analysis finding the whole config must produce
 * (no more, no less), so a fixture checks one analyzer's findings and that the others stay silent on it.
 */
class AnalyzersTest {

    static Stream<String> fixtures() {
        return Stream.of("destination-hosts", "subsets", "gateways", "mesh-gateway-hosts", "unreachable-rules",
                "ca-certificates", "destination-rule-hosts", "conflicting-gateways", "gateway-certificates",
                "gateway-ports", "sidecars", "service-entries", "invalid-but-analyzed", "gateway-secrets", "kubernetes-gateways",
                "jwt-claim-routes");
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void findingsAreExactlyTheExpectedOnes(String fixture) {
        String yaml = read("analysis/" + fixture + ".yaml");
        LoadedConfig config = ConfigLoader.create().loadString(fixture + ".yaml", yaml);

        if (!yaml.contains("\n# invalid-config\n")) {
            assertThat(config.errors()).as("the fixture itself is valid config").isEmpty();
        }
        List<String> expected = yaml.lines().filter(l -> l.startsWith("# expect: "))
                .map(l -> l.substring("# expect: ".length()).trim()).sorted().toList();
        List<String> found = config.problems().stream().filter(p -> p.code() != null)
                .map(p -> p.code() + " " + p.kind() + " " + p.namespace() + "/" + p.name() + " " + p.path())
                .sorted().toList();
        assertThat(found).as(config.problems().stream().map(Problem::format).toList().toString())
                .containsExactlyElementsOf(expected);
    }

    @Test
    void findingsCarryIstiosSeverityAndLineButNeverBlockTheConfig() {
        LoadedConfig config = ConfigLoader.create().loadString("vs.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination:
                        host: reviewz
                """);
        assertThat(config.hasErrors()).as("istiod applies such config, and so does the mesh").isFalse();
        assertThat(config.problems()).singleElement().satisfies(p -> {
            assertThat(p.severity()).isEqualTo(Severity.ERROR);
            assertThat(p.code()).isEqualTo("IST0101");
            assertThat(p.line()).isEqualTo(9);
            assertThat(p.format()).isEqualTo("vs.yaml:9: VirtualService default/reviews: "
                    + "spec.http[0].route[0].destination.host: [IST0101] Referenced host not found: \"reviewz\"");
        });
    }

    @Test
    void resourcesThatFailValidationAreAnalyzedToo() {
        LoadedConfig config = ConfigLoader.create().loadString("vs.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviewz}
                    timeout: 0s
                """);
        assertThat(config.problems()).extracting(Problem::code).containsExactly("IST0101", null);
        assertThat(config.hasErrors()).isTrue();
    }

    @Test
    void aJwtClaimRouteNamesTheClaimTheGatewayAndThePodWithoutRequestAuthentication() {
        String claimRoute = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: foo}
                spec:
                  hosts: [foo.com]
                  gateways: [foo-gateway]
                  http:
                  - match:
                    - headers:
                        "@request.auth.claims.foo": {exact: foo}
                    route:
                    - destination: {host: foo.com}
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: foo-gateway}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: [foo.com]
                """;
        LoadedConfig config = ConfigLoader.create().loadString("vs.yaml", claimRoute);
        assertThat(config.problems()).filteredOn(p -> "IST0149".equals(p.code())).singleElement()
                .satisfies(p -> assertThat(p.format()).isEqualTo("vs.yaml:6: VirtualService default/foo:"
                        + " spec.gateways[0]: [IST0149] The virtual service uses the JWT claim based routing (key:"
                        + " @request.auth.claims.foo) but found no request authentication for the gateway"
                        + " (default/foo-gateway) pod (istio-ingressgateway-dummypod). The request authentication"
                        + " must first be applied for the gateway pods to validate the JWT token and make the claims"
                        + " available for routing."));

        LoadedConfig withAuthn = ConfigLoader.create().loadString("vs.yaml", claimRoute + """
                ---
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: ingress, namespace: istio-system}
                spec:
                  selector:
                    matchLabels: {istio: ingressgateway}
                """);
        assertThat(withAuthn.problems()).extracting(Problem::code).doesNotContain("IST0149");
    }

    @Test
    void severitiesAreIstios() {
        assertThat(AnalysisMessage.REFERENCED_RESOURCE_NOT_FOUND.severity()).isEqualTo(Severity.ERROR);
        assertThat(AnalysisMessage.CONFLICTING_MESH_GATEWAY_VIRTUAL_SERVICE_HOSTS.severity())
                .isEqualTo(Severity.ERROR);
        assertThat(AnalysisMessage.NO_SERVER_CERTIFICATE_VERIFICATION_DESTINATION_LEVEL.severity())
                .isEqualTo(Severity.WARNING);
        assertThat(AnalysisMessage.VIRTUAL_SERVICE_UNREACHABLE_RULE.severity()).isEqualTo(Severity.WARNING);
        assertThat(AnalysisMessage.VIRTUAL_SERVICE_INEFFECTIVE_MATCH.severity()).isEqualTo(Severity.INFO);
        assertThat(AnalysisMessage.CONFLICTING_GATEWAYS.severity()).isEqualTo(Severity.ERROR);
        assertThat(AnalysisMessage.JWT_CLAIM_BASED_ROUTING_WITHOUT_REQUEST_AUTHN.severity())
                .isEqualTo(Severity.ERROR);
    }

    private static String read(String resource) {
        try (InputStream in = AnalyzersTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
