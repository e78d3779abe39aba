package io.proxyless.mesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.loader.ConfigLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * VirtualService rules, each shown failing on YAML loaded by the real loader. The spec starts on line 6 (see
 * {@link Loaded}). Most tests look at errors only, since the loader also warns about fields the client-side mesh
 * does not act on (tcp, tls, corsPolicy, ...).
 */
class VirtualServiceValidatorTest {
    private static final String P = "vs.yaml:%d: VirtualService default/reviews: ";

    private static List<String> problems(String spec) {
        return Loaded.problems("vs.yaml", "VirtualService", "reviews", spec);
    }

    private static List<String> errors(String spec) {
        return Loaded.errors("vs.yaml", "VirtualService", "reviews", spec);
    }

    private static String at(int line, String rest) {
        return P.formatted(line) + rest;
    }

    private static String warningAt(int line, String rest) {
        return "warning: " + at(line, rest);
    }

    // ------------------------------------------------------------------ a complete, valid VirtualService

    @Test
    void completeVirtualServiceWithItsDestinationRuleHasNoProblems() {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews, reviews.example.com]
                  gateways: [mesh]
                  exportTo: [".", istio-system]
                  http:
                  - name: jason
                    match:
                    - name: by-header
                      headers:
                        end-user: {exact: jason}
                        X-Canary: {}
                        ":authority": {prefix: reviews}
                      queryParams: {debug: {}}
                      withoutHeaders: {x-skip: {regex: "*"}, x-old: {}}
                      uri: {prefix: /api/}
                      ignoreUriCase: true
                      method: {regex: "GET|HEAD"}
                      port: 9080
                      sourceLabels: {app: productpage}
                      sourceNamespace: shop
                    - uri: {prefix: ""}
                      authority: {exact: reviews.example.com}
                    route:
                    - destination: {host: reviews, subset: v2, port: {number: 9080}}
                      weight: 90
                      headers:
                        request: {set: {x-route: v2}, add: {x-trace: "%REQ(x-request-id)%"}, remove: [x-internal]}
                        response: {set: {cache-control: no-store}, remove: [server]}
                    - destination: {host: reviews, subset: v1}
                      weight: 10
                    timeout: 2s
                    retries: {attempts: 3, perTryTimeout: 500ms, retryOn: "5xx,reset,503,unavailable", backoff: 25ms}
                    fault:
                      delay: {fixedDelay: 5s, percentage: {value: 0.5}}
                      abort: {grpcStatus: UNAVAILABLE, percentage: {value: 0.0001}}
                    mirrors:
                    - destination: {host: reviews, subset: v3}
                      percentage: {value: 5}
                    rewrite: {uriRegexRewrite: {match: "^/api/(.*)", rewrite: "/\\\\1"}, authority: reviews.internal}
                    headers:
                      request: {set: {x-mesh: "100%%"}}
                  - match: [{uri: {exact: /old}}]
                    redirect: {uri: /new, redirectCode: 308, scheme: https, derivePort: FROM_PROTOCOL_DEFAULT}
                  - match: [{uri: {prefix: /legacy}}]
                    redirect: {prefixRewrite: /v2, authority: new.example.com, port: 8443}
                  - match: [{uri: {regex: "/health(z)?"}}]
                    directResponse: {status: 200, body: {string: ok}}
                  - match: [{uri: {prefix: /bytes}}]
                    directResponse: {status: 503, body: {bytes: aGVsbG8=}}
                  - route:
                    - destination: {host: reviews, subset: v1}
                    mirror: {host: reviews, subset: v3}
                    mirrorPercentage: {value: 1}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews.default.svc.cluster.local
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                  - {name: v3, labels: {version: v3}}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: reviews}
                spec:
                  selector: {app: reviews}
                  ports: [{name: http, port: 9080}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: reviews-v1, labels: {app: reviews, version: v1}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: reviews-v2, labels: {app: reviews, version: v2}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: reviews-v3, labels: {app: reviews, version: v3}}
                """;
        List<Problem> problems = ConfigLoader.create().loadString("vs.yaml", yaml).problems();
        assertThat(problems).extracting(Problem::format).isEmpty();
    }

    // ------------------------------------------------------------------ hosts, gateways, delegates

    @Test
    void delegateVirtualServiceMayNotNameGateways() {
        assertThat(errors("""
                gateways: [mesh]
                http:
                - route: [{destination: {host: reviews}}]
                """)).containsExactly(at(6, "spec.gateways: delegate virtual service must have no gateways specified"));
    }

    @Test
    void delegateVirtualServiceMayNotHaveTcpRoutes() {
        assertThat(errors("""
                tcp:
                - route: [{destination: {host: reviews}}]
                """)).containsExactly(at(6, "spec.tcp: delegate virtual service must have no tcp route specified"));
    }

    @Test
    void delegateVirtualServiceMayNotHaveTlsRoutes() {
        assertThat(errors("""
                tls:
                - match: [{sniHosts: [reviews.example.com]}]
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(
                at(6, "spec.tls: delegate virtual service must have no tls route specified"),
                at(7, "spec.tls[0].match[0].sniHosts[0]: SNI host \"reviews.example.com\" is not a compatible subset"
                        + " of any of the virtual service hosts: []"));
    }

    @Test
    void virtualServiceNeedsHttpTcpOrTlsRoutes() {
        assertThat(errors("""
                hosts: [reviews]
                """)).containsExactly(at(5, "spec.http: http, tcp or tls must be provided in virtual service"));
    }

    @Test
    void bareWildcardHostIsRejectedForTheMesh() {
        assertThat(errors("""
                hosts: ["*"]
                http:
                - route: [{destination: {host: reviews}}]
                """)).containsExactly(at(6, "spec.hosts[0]: wildcard host * is not allowed for virtual services"
                + " bound to the mesh gateway"));
    }

    @Test
    void bareWildcardHostIsAllowedForAGatewayOnly() {
        assertThat(errors("""
                hosts: ["*"]
                gateways: [istio-system/ingress]
                http:
                - route: [{destination: {host: reviews}}]
                """)).isEmpty();
    }

    @Test
    void malformedHostIsRejected() {
        assertThat(errors("""
                hosts: [bad_host.example.com]
                http:
                - route: [{destination: {host: reviews}}]
                """)).containsExactly(at(6, "spec.hosts[0]: domain name \"bad_host.example.com\" invalid (label"
                + " \"bad_host\" invalid)"));
    }

    @Test
    void hostCoveredByAnotherHostsWildcardIsADuplicate() {
        assertThat(errors("""
                hosts:
                - api.example.com
                - "*.example.com"
                http:
                - route: [{destination: {host: reviews}}]
                """)).containsExactly(at(8, "spec.hosts[1]: duplicate hosts in virtual service: api.example.com"
                + " & *.example.com"));
    }

    @Test
    void exportToNoneIsOnlyForServiceEntries() {
        assertThat(errors("""
                hosts: [reviews]
                exportTo: ["~"]
                http:
                - route: [{destination: {host: reviews}}]
                """)).containsExactly(at(7, "spec.exportTo[0]: exportTo ~ (none) is not allowed for Istio"
                + " configuration objects"));
    }

    @Test
    void malformedGatewayNamespaceIsRejected() {
        assertThat(errors("""
                hosts: [reviews.example.com]
                gateways: [Bad_NS/ingress]
                http:
                - route: [{destination: {host: reviews}}]
                """)).containsExactly(at(7, "spec.gateways[0]: invalid value for namespace: \"Bad_NS\""));
    }

    @Test
    void emptyGatewayNameIsRejected() {
        assertThat(errors("""
                hosts: [reviews.example.com]
                gateways: [istio-system/]
                http:
                - route: [{destination: {host: reviews}}]
                """)).containsExactly(at(7, "spec.gateways[0]: config namespace and gateway name cannot be empty"));
    }

    @Test
    void legacyDottedGatewayNameWarnsWithTheNamespacedForm() {
        assertThat(problems("""
                hosts: [reviews.example.com]
                gateways: [ingress.istio-system]
                http:
                - route: [{destination: {host: reviews}}]
                """)).contains(warningAt(7, "spec.gateways[0]: using legacy gatewayName format"
                + " \"ingress.istio-system\"; prefer the <namespace>/<name> format: \"istio-system/ingress\""));
    }

    // ------------------------------------------------------------------ what a route does

    @Test
    void routeNeedsADestinationRedirectOrDirectResponse() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match: [{uri: {prefix: /api}}]
                  timeout: 1s
                """)).containsExactly(at(8, "spec.http[0].route: HTTP route, redirect or direct_response is required"));
    }

    @Test
    void routeAndRedirectCannotBeCombined() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - redirect: {uri: /new}
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(9, "spec.http[0].route: HTTP route cannot contain both route and redirect"));
    }

    @Test
    void faultAndRedirectCannotBeCombined() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - redirect: {uri: /new}
                  fault: {abort: {httpStatus: 503}}
                """)).containsExactly(at(9, "spec.http[0].fault: HTTP route cannot contain both fault and redirect"));
    }

    @Test
    void rewriteAndRedirectCannotBeCombined() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - redirect: {uri: /new}
                  rewrite: {uri: /other}
                """)).containsExactly(at(9, "spec.http[0].rewrite: HTTP route rule cannot contain both rewrite and"
                + " redirect"));
    }

    @Test
    void directResponseAndRedirectCannotBeCombined() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - redirect: {uri: /new}
                  directResponse: {status: 404}
                """)).containsExactly(at(9, "spec.http[0].directResponse: HTTP route rule cannot contain both"
                + " direct_response and redirect"));
    }

    @Test
    void routeAndDirectResponseCannotBeCombined() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - directResponse: {status: 404}
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(9, "spec.http[0].route: HTTP route cannot contain both route and"
                + " direct_response"));
    }

    @Test
    void faultAndDirectResponseCannotBeCombined() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - directResponse: {status: 404}
                  fault: {delay: {fixedDelay: 1s}}
                """)).containsExactly(at(9, "spec.http[0].fault: HTTP route cannot contain both fault and"
                + " direct_response"));
    }

    @Test
    void rewriteAndDirectResponseCannotBeCombined() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - directResponse: {status: 404}
                  rewrite: {uri: /other}
                """)).containsExactly(at(9, "spec.http[0].rewrite: HTTP route rule cannot contain both rewrite and"
                + " direct_response"));
    }

    @Test
    void mirrorAndMirrorsCannotBeCombined() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  mirror: {host: shadow}
                  mirrors: [{destination: {host: shadow2}}]
                """)).containsExactly(at(10, "spec.http[0].mirrors: HTTP route cannot contain both mirror and"
                + " mirrors"));
    }

    @Test
    void rootRouteThatDelegatesMayNotAlsoRoute() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - name: api
                  delegate: {name: reviews-api, namespace: api}
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(10, "spec.http[0].route: root HTTP route api must not specify route"));
    }

    @Test
    void delegateVirtualServiceRoutesCannotDelegateAgain() {
        assertThat(errors("""
                http:
                - delegate: {name: deeper}
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(7, "spec.http[0].delegate: delegate HTTP route cannot contain delegate"));
    }

    @Test
    void delegateNeedsAName() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - delegate: {namespace: api}
                """)).containsExactly(at(8, "spec.http[0].delegate.name: required"));
    }

    // ------------------------------------------------------------------ destinations and weights

    @Test
    void destinationHostIsRequired() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route:
                  - destination: {subset: v1}
                """)).containsExactly(at(9, "spec.http[0].route[0].destination.host: required"));
    }

    @Test
    void routeEntryNeedsADestination() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route:
                  - weight: 100
                """)).containsExactly(at(9, "spec.http[0].route[0].destination: required"));
    }

    @Test
    void destinationHostMayNotBeTheBareWildcard() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: "*"}}]
                """)).containsExactly(at(8, "spec.http[0].route[0].destination.host: invalid destination host *"));
    }

    @Test
    void destinationSubsetMustBeADnsLabel() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route:
                  - destination: {host: reviews, subset: V_1}
                """)).containsExactly(at(9, "spec.http[0].route[0].destination.subset: subset name is invalid: V_1"));
    }

    @Test
    void destinationPortMustBeInRange() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route:
                  - destination: {host: reviews, port: {number: 70000}}
                """)).containsExactly(at(9, "spec.http[0].route[0].destination.port.number: port number 70000 must"
                + " be in the range 1..65535"));
    }

    @Test
    void negativeWeightIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route:
                  - destination: {host: reviews}
                    weight: -1
                """)).containsExactly(at(10, "spec.http[0].route[0].weight: weight -1 < 0"));
    }

    @Test
    void severalDestinationsWithZeroTotalWeightAreRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route:
                  - destination: {host: reviews, subset: v1}
                  - destination: {host: reviews, subset: v2}
                    weight: 0
                """)).containsExactly(at(8, "spec.http[0].route: total destination weight = 0"));
    }

    @Test
    void singleDestinationNeedsNoWeight() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route:
                  - destination: {host: reviews}
                    weight: 0
                """)).isEmpty();
    }

    // ------------------------------------------------------------------ mirrors

    @Test
    void mirrorHostIsRequired() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  mirror: {subset: v1}
                """)).containsExactly(at(9, "spec.http[0].mirror.host: required"));
    }

    @Test
    void mirrorsEntryNeedsADestination() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  mirrors:
                  - percentage: {value: 10}
                """)).containsExactly(at(10, "spec.http[0].mirrors[0].destination: required"));
    }

    @Test
    void mirrorPercentageAbove100IsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  mirror: {host: shadow}
                  mirrorPercentage:
                    value: 150
                """)).containsExactly(at(11, "spec.http[0].mirrorPercentage.value: mirror_percentage must have a"
                + " max value of 100 (it has 150.000000)"));
    }

    @Test
    void negativeMirrorsPercentageIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  mirrors:
                  - destination: {host: shadow}
                    percentage: {value: -1}
                """)).containsExactly(at(11, "spec.http[0].mirrors[0].percentage.value: mirror percentage must have"
                + " a min value of 0 (it has -1.000000)"));
    }

    @Test
    void deprecatedMirrorPercentAbove100IsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  mirror: {host: shadow}
                  mirrorPercent: 101
                """)).containsExactly(at(10, "spec.http[0].mirrorPercent: mirror_percent must have a max value of"
                + " 100 (it has 101)"));
    }

    // ------------------------------------------------------------------ retries and timeouts

    @Test
    void negativeAttemptsAreRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  retries: {attempts: -1}
                """)).containsExactly(at(9, "spec.http[0].retries.attempts: attempts cannot be negative"));
    }

    @Test
    void retrySettingsWithZeroAttemptsAreRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  retries: {attempts: 0, retryOn: 5xx}
                """)).containsExactly(at(9, "spec.http[0].retries.attempts: http retry policy configured when"
                + " attempts are set to 0 (disabled)"));
    }

    @Test
    void retrySettingsWithoutAttemptsAreRejectedBecauseUnsetMeansZero() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  retries:
                    perTryTimeout: 1s
                """)).containsExactly(at(9, "spec.http[0].retries.attempts: http retry policy configured when"
                + " attempts are set to 0 (disabled); attempts is unset, which means 0"));
    }

    @Test
    void unknownRetryOnPolicyIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  retries: {attempts: 2, retryOn: "5xx,sometimes"}
                """)).containsExactly(at(9, "spec.http[0].retries.retryOn: \"sometimes\" is not a valid retryOn"
                + " policy"));
    }

    @Test
    void retryOnTokensAreNotTrimmed() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  retries: {attempts: 2, retryOn: "5xx, reset"}
                """)).containsExactly(at(9, "spec.http[0].retries.retryOn: \" reset\" is not a valid retryOn"
                + " policy"));
    }

    @Test
    void retryOnAcceptsKnownStatusCodesOnly() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  retries: {attempts: 2, retryOn: "503,425,599,retriable-status-codes,deadline-exceeded"}
                """)).containsExactly(at(9, "spec.http[0].retries.retryOn: \"599\" is not a valid retryOn policy"));
    }

    @Test
    void perTryTimeoutBelowOneMillisecondIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  retries:
                    attempts: 3
                    perTryTimeout: 0s
                """)).containsExactly(at(11, "spec.http[0].retries.perTryTimeout: duration must be greater than 1ms"));
    }

    @Test
    void timeoutWithSubMillisecondPrecisionIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  timeout: 1.0005s
                """)).containsExactly(at(9, "spec.http[0].timeout: only durations to ms precision are supported"));
    }

    @Test
    void zeroTimeoutIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  timeout: 0s
                """)).containsExactly(at(9, "spec.http[0].timeout: duration must be greater than 1ms"));
    }

    // ------------------------------------------------------------------ fault injection

    @Test
    void faultNeedsAnAbortOrADelay() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  fault: {}
                """)).containsExactly(at(9, "spec.http[0].fault: HTTP fault injection must have an abort and/or a"
                + " delay"));
    }

    @Test
    void faultPercentageAbove100IsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  fault:
                    abort:
                      httpStatus: 503
                      percentage: {value: 150}
                """)).containsExactly(at(12, "spec.http[0].fault.abort.percentage.value: percentage 150 is neither"
                + " 0.0, nor in range [0.0001, 100.0]"));
    }

    @Test
    void faultPercentageBelowOneMillionthIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  fault:
                    delay: {fixedDelay: 1s, percentage: {value: 0.00001}}
                """)).containsExactly(at(10, "spec.http[0].fault.delay.percentage.value: percentage 1e-05 is neither"
                + " 0.0, nor in range [0.0001, 100.0]"));
    }

    @Test
    void abortHttpStatusMustBe200To599() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  fault:
                    abort: {httpStatus: 600}
                """)).containsExactly(at(10, "spec.http[0].fault.abort.httpStatus: HTTP status 600 is not in range"
                + " 200-599"));
    }

    @Test
    void abortGrpcStatusMustBeACodeName() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  fault:
                    abort: {grpcStatus: "14"}
                """)).containsExactly(at(10, "spec.http[0].fault.abort.grpcStatus: gRPC status \"14\" is not"
                + " supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of"
                + " supported codes, for example 'NOT_FOUND'"));
    }

    @Test
    void abortWithoutAnErrorTypeWarns() {
        assertThat(problems("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  fault:
                    abort: {percentage: {value: 10}}
                """)).containsExactly(warningAt(10, "spec.http[0].fault.abort: abort configured, but error type"
                + " not set"));
    }

    @Test
    void abortWithHttp2ErrorIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  fault:
                    abort: {http2Error: REFUSED_STREAM}
                """)).containsExactly(at(10, "spec.http[0].fault.abort.http2Error: HTTP/2 abort fault injection not"
                + " supported yet"));
    }

    @Test
    void delayNeedsAFixedDelay() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  fault:
                    delay: {percentage: {value: 10}}
                """)).containsExactly(at(10, "spec.http[0].fault.delay.fixedDelay: required"));
    }

    @Test
    void exponentialDelayIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  fault:
                    delay: {exponentialDelay: 1s}
                """)).containsExactly(at(10, "spec.http[0].fault.delay.exponentialDelay: exponentialDelay not"
                + " supported yet"));
    }

    // ------------------------------------------------------------------ matches

    @Test
    void stringMatchWithTwoKindsIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match:
                  - headers:
                      end-user: {exact: jason, prefix: j}
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(10, "spec.http[0].match[0].headers.end-user: only one of exact, prefix or"
                + " regex may be set"));
    }

    @Test
    void emptyHeaderPrefixIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match:
                  - headers:
                      end-user:
                        prefix: ""
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(11, "spec.http[0].match[0].headers.end-user.prefix: prefix string match"
                + " should not be empty"));
    }

    @Test
    void invalidRegexIsRejectedWithRe2sMessage() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match:
                  - uri:
                      regex: "/api/(v1"
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(10, "spec.http[0].match[0].uri.regex: error parsing regexp: missing"
                + " closing ): `/api/(v1`; Istio uses RE2 style regex-based match"
                + " (https://github.com/google/re2/wiki/Syntax)"));
    }

    @Test
    void regexLongerThan1024CharactersIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match:
                  - queryParams:
                      id: {regex: "%s"}
                  route: [{destination: {host: reviews}}]
                """.formatted("a".repeat(1025)))).containsExactly(at(10, "spec.http[0].match[0].queryParams.id.regex:"
                + " regex is too large, max length allowed is 1024"));
    }

    @Test
    void emptyUriMatchIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match:
                  - uri: {}
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(9, "spec.http[0].match[0].uri: one of exact, prefix or regex is required"));
    }

    @Test
    void emptyMethodMatchIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match:
                  - method: {}
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(9, "spec.http[0].match[0].method: one of exact, prefix or regex is"
                + " required"));
    }

    @Test
    void emptyHeaderQueryAndWithoutHeaderMatchesMeanPresence() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match:
                  - headers: {x-user: {}}
                    queryParams: {debug: {}}
                    withoutHeaders: {x-skip: {}}
                  route: [{destination: {host: reviews}}]
                """)).isEmpty();
    }

    @Test
    void headerNameMustBeAToken() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match:
                  - headers:
                      "end user": {exact: jason}
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(10, "spec.http[0].match[0].headers.end user: header name end user is not a"
                + " valid header name"));
    }

    @Test
    void upperCaseHeaderNamesAreAccepted() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match:
                  - headers: {End-User: {exact: jason}}
                    withoutHeaders: {X-Debug: {}}
                  route: [{destination: {host: reviews}}]
                """)).isEmpty();
    }

    @Test
    void jwtClaimRoutingIsOnlyForGateways() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match:
                  - headers:
                      "@request.auth.claims.sub": {exact: jason}
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(10, "spec.http[0].match[0].headers.@request.auth.claims.sub: JWT claim based"
                + " routing (key: @request.auth.claims.sub) is only supported for gateway, found no gateways: []"));
    }

    @Test
    void matchPortMustBeInRange() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match:
                  - port: 70000
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(9, "spec.http[0].match[0].port: port number 70000 must be in the range"
                + " 1..65535"));
    }

    @Test
    void matchGatewayNameMustBeValid() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match:
                  - gateways: [istio-system/Bad_GW]
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(9, "spec.http[0].match[0].gateways[0]: invalid value for gateway name:"
                + " \"Bad_GW\""));
    }

    @Test
    void sourceNamespaceMustBeADnsLabel() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match:
                  - sourceNamespace: Shop_1
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(9, "spec.http[0].match[0].sourceNamespace: sourceNamespace match Shop_1 is"
                + " invalid"));
    }

    @Test
    void sourceLabelValuesMustBeLabelValues() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match:
                  - sourceLabels: {app: "product page"}
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(9, "spec.http[0].match[0].sourceLabels.app: invalid tag value:"
                + " \"product page\""));
    }

    // ------------------------------------------------------------------ redirect

    @Test
    void redirectCodeMustBe3xx() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - redirect:
                    uri: /new
                    redirectCode: 200
                """)).containsExactly(at(10, "spec.http[0].redirect.redirectCode: 200 is not a valid redirect code,"
                + " must be 3xx"));
    }

    @Test
    void redirectCodeMustBeOneEnvoyCanSend() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - redirect:
                    uri: /new
                    redirectCode: 305
                """)).containsExactly(at(10, "spec.http[0].redirect.redirectCode: redirect code 305 is not supported;"
                + " use 301, 302, 303, 307 or 308"));
    }

    @Test
    void redirectMustChangeSomething() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - redirect: {redirectCode: 302}
                """)).containsExactly(at(8, "spec.http[0].redirect: redirect must specify URI, authority, scheme, or"
                + " port"));
    }

    @Test
    void redirectUriAndPrefixRewriteAreExclusive() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - redirect:
                    uri: /new
                    prefixRewrite: /v2
                """)).containsExactly(at(10, "spec.http[0].redirect.prefixRewrite: redirect may only specify one of"
                + " uri or prefix_rewrite"));
    }

    @Test
    void redirectPrefixRewriteNeedsPrefixMatches() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - match: [{uri: {exact: /old}}]
                  redirect:
                    prefixRewrite: /v2
                """)).containsExactly(at(10, "spec.http[0].redirect.prefixRewrite: redirect prefix_rewrite requires"
                + " all URI matches to use prefix match type"));
    }

    @Test
    void redirectSchemeMustBeHttpOrHttps() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - redirect:
                    scheme: ftp
                """)).containsExactly(at(9, "spec.http[0].redirect.scheme: invalid redirect scheme, must be \"http\""
                + " or \"https\""));
    }

    @Test
    void redirectPortAndDerivePortAreExclusive() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - redirect:
                    port: 8443
                    derivePort: FROM_REQUEST_PORT
                """)).containsExactly(at(10, "spec.http[0].redirect.derivePort: only one of port or derivePort may"
                + " be set"));
    }

    @Test
    void redirectPortMustBeInRange() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - redirect:
                    port: 70000
                """)).containsExactly(at(9, "spec.http[0].redirect.port: port number 70000 must be in the range"
                + " 1..65535"));
    }

    // ------------------------------------------------------------------ rewrite

    @Test
    void rewriteUriAndUriRegexRewriteAreExclusive() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  rewrite:
                    uri: /v2
                    uriRegexRewrite: {match: "^/v1", rewrite: /v2}
                """)).containsExactly(at(11, "spec.http[0].rewrite.uriRegexRewrite: rewrite may only contain one of"
                + " URI or UriRegexRewrite"));
    }

    @Test
    void emptyRewriteIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  rewrite: {}
                """)).containsExactly(at(9, "spec.http[0].rewrite: rewrite must specify at least one of URI,"
                + " UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified"));
    }

    @Test
    void uriRegexRewriteNeedsMatchAndRewrite() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  rewrite:
                    uriRegexRewrite: {match: "^/v1"}
                """)).containsExactly(at(10, "spec.http[0].rewrite.uriRegexRewrite: UriRegexRewrite requires both"
                + " Rewrite and Match fields to be specified"));
    }

    @Test
    void uriRegexRewriteMatchMustBeValidRe2() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  rewrite:
                    uriRegexRewrite:
                      match: "^/v1(?=/)"
                      rewrite: /v2
                """)).containsExactly(at(11, "spec.http[0].rewrite.uriRegexRewrite.match: error parsing regexp:"
                + " invalid or unsupported Perl syntax: `(?=`; Istio uses RE2 style regex-based match"
                + " (https://github.com/google/re2/wiki/Syntax)"));
    }

    @Test
    void authorityCannotBeRewrittenTwice() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  rewrite: {authority: a.example.com}
                  headers:
                    request:
                      set: {host: b.example.com}
                """)).containsExactly(at(12, "spec.http[0].headers.request.set.host: authority header cannot be set"
                + " multiple times: have \"a.example.com\", attempting to set \"b.example.com\""));
    }

    // ------------------------------------------------------------------ direct response

    @Test
    void directResponseStatusIsRequired() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - directResponse:
                    body: {string: gone}
                """)).containsExactly(at(8, "spec.http[0].directResponse.status: required"));
    }

    @Test
    void directResponseStatusMustBe200To599() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - directResponse:
                    status: 99
                """)).containsExactly(at(9, "spec.http[0].directResponse.status: HTTP status 99 is not in range"
                + " 200-599"));
    }

    @Test
    void directResponseBodyOver1MbIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - directResponse:
                    status: 200
                    body: {string: "%s"}
                """.formatted("x".repeat(1024 * 1024 + 1)))).containsExactly(at(10, "spec.http[0].directResponse.body:"
                + " large direct_responses may impact control plane performance, must be less than 1MB"));
    }

    @Test
    void directResponseBodyOver100KbWarns() {
        assertThat(problems("""
                hosts: [reviews]
                http:
                - directResponse:
                    status: 200
                    body: {string: "%s"}
                """.formatted("x".repeat(100 * 1024 + 1)))).containsExactly(warningAt(10,
                "spec.http[0].directResponse.body: large direct_responses may impact control plane performance"));
    }

    @Test
    void directResponseBytesMustBeBase64() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - directResponse:
                    status: 200
                    body: {bytes: "not base64!"}
                """)).containsExactly(at(10, "spec.http[0].directResponse.body.bytes: bytes must be base64-encoded"));
    }

    // ------------------------------------------------------------------ header operations

    @Test
    void pseudoHeadersCannotBeSet() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  headers:
                    request:
                      set: {":path": /other}
                """)).containsExactly(at(11, "spec.http[0].headers.request.set.:path: invalid header \":path\": header"
                + " cannot have \":\" prefix"));
    }

    @Test
    void hostHeaderCannotBeRemoved() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route:
                  - destination: {host: reviews}
                    headers:
                      request:
                        remove: [Host]
                """)).containsExactly(at(12, "spec.http[0].route[0].headers.request.remove[0]: invalid header"
                + " \"Host\": cannot set Host header"));
    }

    @Test
    void headerValueWithUnterminatedVariableIsRejected() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  headers:
                    response:
                      add: {x-started: "%START_TIME"}
                """)).containsExactly(at(11, "spec.http[0].headers.response.add.x-started: header value"
                + " configuration: invalid header configuration. Un-terminated variable expression"
                + " '%START_TIME'"));
    }

    // ------------------------------------------------------------------ CORS (parsed, checked, not acted on)

    @Test
    void corsMethodMustBeAnHttpMethod() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  corsPolicy:
                    allowMethods: [GET, FETCH]
                """)).containsExactly(at(10, "spec.http[0].corsPolicy.allowMethods[1]: \"FETCH\" is not a supported"
                + " HTTP method"));
    }

    @Test
    void corsMaxAgeHasSecondPrecision() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  corsPolicy:
                    maxAge: 1.5s
                """)).containsExactly(at(10, "spec.http[0].corsPolicy.maxAge: max_age duration is accurate only to"
                + " seconds precision"));
    }

    @Test
    void corsAllowOriginMustNotBeEmpty() {
        assertThat(errors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  corsPolicy:
                    allowOrigins:
                    - exact: ""
                """)).containsExactly(at(11, "spec.http[0].corsPolicy.allowOrigins[0]: '' is not a valid match type"
                + " for CORS allow origins"));
    }

    // ------------------------------------------------------------------ TLS and TCP routes (parsed, not acted on)

    @Test
    void tlsRouteNeedsAMatchAndARoute() {
        assertThat(errors("""
                hosts: [reviews.example.com]
                tls:
                - route: []
                """)).containsExactly(
                at(8, "spec.tls[0].match: TLS route must have at least one match condition"),
                at(8, "spec.tls[0].route: TLS route is required"));
    }

    @Test
    void tlsMatchNeedsAnSniHost() {
        assertThat(errors("""
                hosts: [reviews.example.com]
                tls:
                - match: [{port: 443}]
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(8, "spec.tls[0].match[0].sniHosts: TLS match must have at least one SNI"
                + " host"));
    }

    @Test
    void tcpRouteNeedsARoute() {
        assertThat(errors("""
                hosts: [reviews]
                tcp:
                - match: [{port: 3306}]
                """)).containsExactly(at(8, "spec.tcp[0].route: TCP route is required"));
    }

    @Test
    void tcpDestinationSubnetMustBeAnAddressOrCidr() {
        assertThat(errors("""
                hosts: [reviews]
                tcp:
                - match:
                  - destinationSubnets: [10.0.0.0/33]
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(at(9, "spec.tcp[0].match[0].destinationSubnets[0]: 10.0.0.0/33 is not a valid"
                + " CIDR block"));
    }
}
