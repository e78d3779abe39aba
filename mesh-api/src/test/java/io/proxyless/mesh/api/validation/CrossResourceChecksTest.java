package io.proxyless.mesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.loader.ConfigLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Cross-resource warnings, on multi-document YAML loaded by the real loader. Only the VirtualServices'
 * problems are looked at, so these tests do not depend on what the other kinds' validators say.
 */
class CrossResourceChecksTest {

    private static List<String> virtualServiceProblems(String yaml) {
        return ConfigLoader.create().loadString("mesh.yaml", yaml).problems().stream()
                .filter(p -> "VirtualService".equals(p.kind()))
                .map(Problem::format)
                .toList();
    }

    private static final String VS = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
            """;

    private static final String REVIEWS_RULE = """
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
            """;

    // ------------------------------------------------------------------ subsets

    @Test
    void subsetThatTheHostsDestinationRuleDoesNotDefineWarns() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v9}
                """ + REVIEWS_RULE)).containsExactly("warning: mesh.yaml:8: VirtualService default/reviews:"
                + " spec.http[0].route[0].destination.subset: subset v9 not found: no DestinationRule for"
                + " reviews.default.svc.cluster.local defines it");
    }

    @Test
    void mirrorSubsetWithoutAnyDestinationRuleWarns() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews}}]
                    mirror: {host: ratings, subset: v2}
                """)).containsExactly("warning: mesh.yaml:8: VirtualService default/reviews:"
                + " spec.http[0].mirror.subset: subset v2 not found: no DestinationRule for"
                + " ratings.default.svc.cluster.local defines it");
    }

    @Test
    void subsetsDefinedUnderTheFullyQualifiedNameAreFoundFromTheShortName() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v1}
                      weight: 50
                    - destination: {host: reviews.default.svc.cluster.local, subset: v2}
                      weight: 50
                    mirrors:
                    - destination: {host: reviews, subset: v2}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews-fqdn}
                spec:
                  host: reviews.default.svc.cluster.local
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                """)).isEmpty();
    }

    @Test
    void shortNamesExpandInTheNamespaceOfTheResourceThatWritesThem() {
        // The rule's "reviews" is reviews.prod...; the route's "reviews" is reviews.default...
        assertThat(virtualServiceProblems(VS + """
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v1}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: prod}
                spec:
                  host: reviews
                  subsets:
                  - {name: v1, labels: {version: v1}}
                """)).containsExactly("warning: mesh.yaml:8: VirtualService default/reviews:"
                + " spec.http[0].route[0].destination.subset: subset v1 not found: no DestinationRule for"
                + " reviews.default.svc.cluster.local defines it");
    }

    @Test
    void wildcardDestinationRuleSubsetsApplyToTheHostsItCovers() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: api.example.com, subset: v1}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: external}
                spec:
                  host: "*.example.com"
                  subsets:
                  - {name: v1, labels: {version: v1}}
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api}
                spec:
                  hosts: [api.example.com]
                  ports: [{number: 443, name: https, protocol: HTTPS}]
                  resolution: DNS
                """)).isEmpty();
    }

    // ------------------------------------------------------------------ hosts

    @Test
    void externalHostThatNoServiceEntryDefinesWarns() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: api.example.com}
                """)).containsExactly("warning: mesh.yaml:8: VirtualService default/reviews:"
                + " spec.http[0].route[0].destination.host: Referenced host not found: \"api.example.com\" (no"
                + " ServiceEntry defines it, and it is not a Kubernetes service name ending in svc.cluster.local)");
    }

    @Test
    void halfQualifiedNameIsTakenAsWrittenAndWarns() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews}}]
                    mirrors:
                    - destination: {host: ratings.default}
                """)).containsExactly("warning: mesh.yaml:9: VirtualService default/reviews:"
                + " spec.http[0].mirrors[0].destination.host: Referenced host not found: \"ratings.default\" (no"
                + " ServiceEntry defines it, and it is not a Kubernetes service name ending in svc.cluster.local)");
    }

    @Test
    void hostCoveredByAWildcardServiceEntryIsFound() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: api.example.com}
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: external}
                spec:
                  hosts: ["*.example.com"]
                  ports: [{number: 443, name: https, protocol: HTTPS}]
                  resolution: NONE
                """)).isEmpty();
    }

    @Test
    void clusterLocalNamesAreNeverReportedSinceTheyMayBeKubernetesServices() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews}
                      weight: 50
                    - destination: {host: ratings.prod.svc.cluster.local}
                      weight: 50
                """)).isEmpty();
    }

    // ------------------------------------------------------------------ gateways

    @Test
    void gatewayThatIsNotLoadedWarns() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [bookinfo.example.com]
                  gateways: [istio-system/ingress]
                  http:
                  - route: [{destination: {host: productpage}}]
                """)).containsExactly("warning: mesh.yaml:6: VirtualService default/reviews: spec.gateways[0]:"
                + " Referenced gateway not found: \"istio-system/ingress\"");
    }

    @Test
    void bareGatewayNameIsFoundInTheVirtualServicesNamespaceAndMeshIsNeverLookedUp() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [bookinfo.example.com]
                  gateways: [ingress, mesh]
                  http:
                  - route: [{destination: {host: productpage}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: ingress}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: [bookinfo.example.com]
                """)).isEmpty();
    }

    @Test
    void matchGatewayThatIsNotLoadedWarns() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [reviews]
                  http:
                  - match:
                    - gateways: [edge]
                    route: [{destination: {host: reviews}}]
                """)).containsExactly("warning: mesh.yaml:8: VirtualService default/reviews:"
                + " spec.http[0].match[0].gateways[0]: Referenced gateway not found: \"default/edge\"");
    }

    // ------------------------------------------------------------------ unreachable routes

    @Test
    void routeAfterARouteWithoutMatchesIsUnreachable() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews}}]
                  - name: canary
                    match: [{headers: {end-user: {exact: jason}}}]
                    route: [{destination: {host: reviews}}]
                """)).containsExactly("warning: mesh.yaml:8: VirtualService default/reviews: spec.http[1]:"
                + " virtualService rule \"canary\" not used (rule #0 before it matches every request)");
    }

    @Test
    void routeAfterAPrefixSlashMatchIsUnreachable() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [reviews]
                  http:
                  - name: all
                    match: [{uri: {exact: /health}}, {uri: {prefix: /}}]
                    route: [{destination: {host: reviews}}]
                  - match: [{uri: {prefix: /api}}]
                    route: [{destination: {host: reviews}}]
                """)).containsExactly("warning: mesh.yaml:10: VirtualService default/reviews: spec.http[1]:"
                + " virtualService rule #1 not used (rule \"all\" before it matches every request)");
    }

    @Test
    void routeAfterARegexDotStarMatchIsUnreachable() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [reviews]
                  http:
                  - match: [{uri: {regex: ".*"}}]
                    route: [{destination: {host: reviews}}]
                  - route: [{destination: {host: reviews}}]
                """)).containsExactly("warning: mesh.yaml:9: VirtualService default/reviews: spec.http[1]:"
                + " virtualService rule #1 not used (rule #0 before it matches every request)");
    }

    @Test
    void prefixSlashWithAnotherConditionIsNotACatchAll() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /}, headers: {end-user: {exact: jason}}}]
                    route: [{destination: {host: reviews}}]
                  - route: [{destination: {host: reviews}}]
                """)).isEmpty();
    }

    @Test
    void matchRepeatingAnEarlierOneIsUnused() {
        assertThat(virtualServiceProblems(VS + """
                  hosts: [reviews]
                  http:
                  - match: [{name: first, uri: {prefix: /api}}]
                    route: [{destination: {host: reviews}}]
                  - match: [{name: again, uri: {prefix: /api}}]
                    route: [{destination: {host: reviews}}]
                  - route: [{destination: {host: reviews}}]
                """)).containsExactly(
                "warning: mesh.yaml:9: VirtualService default/reviews: spec.http[1]: virtualService rule #1 not used"
                        + " (all matches used by prior rules)",
                "warning: mesh.yaml:9: VirtualService default/reviews: spec.http[1].match[0]: virtualService rule #1"
                        + " match \"again\" is not used (duplicate/overlapping match in rule #0)");
    }
}
