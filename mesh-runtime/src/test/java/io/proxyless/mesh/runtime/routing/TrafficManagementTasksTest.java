package io.proxyless.mesh.runtime.routing;

import static io.proxyless.mesh.runtime.routing.MeshFixture.BOOKINFO;
import static io.proxyless.mesh.runtime.routing.MeshFixture.get;
import static io.proxyless.mesh.runtime.routing.MeshFixture.mesh;
import static io.proxyless.mesh.runtime.routing.MeshFixture.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per outcome of Istio's traffic-management tasks, decided by the engine alone. */
class TrafficManagementTasksTest {
    @TempDir
    Path dir;

    private static final String JASON_TO_V2 = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - match:
                - headers:
                    end-user: {exact: jason}
                route:
                - destination: {host: reviews, subset: v2}
              - route:
                - destination: {host: reviews, subset: v1}
            """;

    @Test
    void headerExactMatchRoutesJasonToV2() {
        try (Mesh mesh = mesh(dir, BOOKINFO, JASON_TO_V2)) {
            RouteDecision d = mesh.route(get("http://reviews:9080/reviews/1", "end-user", "jason"));
            assertThat(d.virtualService()).isEqualTo("default/reviews");
            assertThat(d.route().index()).isZero();
            assertThat(d.destinationHost()).isEqualTo("reviews.default.svc.cluster.local");
            assertThat(d.destinationSubset()).isEqualTo("v2");
            assertThat(d.endpoint().address()).isEqualTo("10.0.0.2");
            assertThat(d.endpoint().port()).isEqualTo(9080);
        }
    }

    @Test
    void everyoneElseGoesToV1() {
        try (Mesh mesh = mesh(dir, BOOKINFO, JASON_TO_V2)) {
            assertThat(mesh.route(get("http://reviews:9080/reviews/1")).destinationSubset()).isEqualTo("v1");
            assertThat(mesh.route(get("http://reviews:9080/", "end-user", "Jason")).destinationSubset())
                    .as("header values are case-sensitive").isEqualTo("v1");
            assertThat(mesh.route(get("http://reviews:9080/", "End-User", "jason")).destinationSubset())
                    .as("header names are not").isEqualTo("v2");
        }
    }

    @Test
    void shortNameAndFullyQualifiedUrlsRouteAlike() {
        try (Mesh mesh = mesh(dir, BOOKINFO, JASON_TO_V2)) {
            for (String host : new String[] {"reviews", "reviews.default", "reviews.default.svc",
                "reviews.default.svc.cluster.local"}) {
                RouteDecision d = mesh.route(get("http://" + host + ":9080/", "end-user", "jason"));
                assertThat(d.host()).as(host).isEqualTo("reviews.default.svc.cluster.local");
                assertThat(d.destinationSubset()).as(host).isEqualTo("v2");
            }
        }
    }

    @Test
    void fiftyFiftyShiftSplitsWithinThreePercent() {
        try (Mesh mesh = mesh(dir, BOOKINFO, shift(50, 50))) {
            Map<String, Integer> counts = sample(mesh, get("http://reviews:9080/"), 10_000, 42);
            assertThat(counts.get("v1")).isBetween(4_700, 5_300);
            assertThat(counts.get("v3")).isBetween(4_700, 5_300);
        }
    }

    @Test
    void eightyTwentyShiftHoldsForManySeeds() {
        try (Mesh mesh = mesh(dir, BOOKINFO, shift(80, 20))) {
            for (long seed = 0; seed < 20; seed++) {
                Map<String, Integer> counts = sample(mesh, get("http://reviews:9080/"), 5_000, seed);
                // 4 standard deviations of a binomial(5000, 0.2) is ~113 picks.
                assertThat(counts.get("v3")).as("seed %d: %s", seed, counts).isBetween(1_000 - 113, 1_000 + 113);
            }
        }
    }

    @Test
    void weightsAreRelativeAndNeedNotSumToHundred() {
        try (Mesh mesh = mesh(dir, BOOKINFO, shift(1, 3))) {
            Map<String, Integer> counts = sample(mesh, get("http://reviews:9080/"), 8_000, 7);
            assertThat(counts.get("v3")).isBetween(5_750, 6_250);
        }
    }

    @Test
    void hundredPercentToV3AfterTheShiftCompletes() {
        try (Mesh mesh = mesh(dir, BOOKINFO, shift(0, 100))) {
            assertThat(sample(mesh, get("http://reviews:9080/"), 1_000, 1)).containsOnlyKeys("v3");
        }
    }

    @Test
    void faultDelayAppliesToJasonOnly() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings}
                spec:
                  hosts: [ratings]
                  http:
                  - match: [{headers: {end-user: {exact: jason}}}]
                    fault:
                      delay:
                        percentage: {value: 100.0}
                        fixedDelay: 7s
                    route: [{destination: {host: ratings, subset: v1}}]
                  - route: [{destination: {host: ratings, subset: v1}}]
                """)) {
            FaultPolicy jason = mesh.route(get("http://ratings:9080/", "end-user", "jason")).fault();
            assertThat(jason.delay()).isEqualTo(Duration.ofSeconds(7));
            assertThat(jason.delayPercentage()).isEqualTo(100.0);
            assertThat(jason.hasAbort()).isFalse();
            assertThat(mesh.route(get("http://ratings:9080/")).fault()).isNull();
        }
    }

    @Test
    void faultAbortReturnsHttp500ForJason() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings}
                spec:
                  hosts: [ratings]
                  http:
                  - match: [{headers: {end-user: {exact: jason}}}]
                    fault:
                      abort:
                        percentage: {value: 100.0}
                        httpStatus: 500
                    route: [{destination: {host: ratings, subset: v1}}]
                  - route: [{destination: {host: ratings, subset: v1}}]
                """)) {
            FaultPolicy f = mesh.route(get("http://ratings:9080/", "end-user", "jason")).fault();
            assertThat(f.httpStatus()).isEqualTo(500);
            assertThat(f.abortPercentage()).isEqualTo(100.0);
        }
    }

    @Test
    void faultWithoutPercentageAffectsNoRequest() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings}
                spec:
                  hosts: [ratings]
                  http:
                  - fault: {abort: {httpStatus: 503}, delay: {fixedDelay: 1s}}
                    route: [{destination: {host: ratings}}]
                """)) {
            FaultPolicy f = mesh.route(get("http://ratings:9080/")).fault();
            assertThat(f.abortPercentage()).isZero();
            assertThat(f.delayPercentage()).isZero();
        }
    }

    @Test
    void requestTimeoutOfHalfASecond() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews, subset: v2}}]
                    timeout: 0.5s
                """)) {
            assertThat(mesh.route(get("http://reviews:9080/")).timeout()).isEqualTo(Duration.ofMillis(500));
        }
    }

    @Test
    void noTimeoutByDefault() {
        try (Mesh mesh = mesh(dir, BOOKINFO, JASON_TO_V2)) {
            assertThat(mesh.route(get("http://reviews:9080/")).timeout()).isNull();
        }
    }

    @Test
    void istioDefaultRetriesWhenRouteSetsNone() {
        try (Mesh mesh = mesh(dir, BOOKINFO, JASON_TO_V2)) {
            RetryPolicy r = mesh.route(get("http://reviews:9080/")).retries();
            assertThat(r.attempts()).isEqualTo(2);
            assertThat(r.retryOn()).isEqualTo("connect-failure,refused-stream,unavailable,cancelled,"
                    + "retriable-status-codes");
            assertThat(r.retriableStatusCodes()).isEmpty();
            assertThat(r.retriesStatus(503)).as("503 not retried by default since Istio 1.24").isFalse();
            assertThat(r.avoidPreviousHosts()).isTrue();
            assertThat(r.perTryTimeout()).isNull();
        }
    }

    @Test
    void configuredRetriesReplaceTheDefault() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings}
                spec:
                  hosts: [ratings]
                  http:
                  - route: [{destination: {host: ratings, subset: v1}}]
                    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "gateway-error,connect-failure,429"}
                """)) {
            RetryPolicy r = mesh.route(get("http://ratings:9080/")).retries();
            assertThat(r.attempts()).isEqualTo(3);
            assertThat(r.perTryTimeout()).isEqualTo(Duration.ofSeconds(2));
            assertThat(r.retriesStatus(503)).isTrue();
            assertThat(r.retriesStatus(500)).isFalse();
            assertThat(r.retriesStatus(429)).as("numeric tokens become retriable status codes").isTrue();
            assertThat(r.retriesOn(io.proxyless.mesh.runtime.model.RetryOn.UNAVAILABLE)).isFalse();
        }
    }

    @Test
    void zeroAttemptsTurnsRetriesOff() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings}
                spec:
                  hosts: [ratings]
                  http:
                  - route: [{destination: {host: ratings}}]
                    retries: {attempts: 0}
                """)) {
            assertThat(mesh.route(get("http://ratings:9080/")).retries()).isNull();
        }
    }

    @Test
    void mirrorWithoutPercentageMirrorsEverything() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews, subset: v1}, weight: 100}]
                    mirror: {host: reviews, subset: v2}
                """)) {
            RouteDecision d = mesh.route(get("http://reviews:9080/"));
            assertThat(d.mirrors()).singleElement().satisfies(m -> {
                assertThat(m.host()).isEqualTo("reviews.default.svc.cluster.local");
                assertThat(m.subset()).isEqualTo("v2");
                assertThat(m.percentage()).isEqualTo(100.0);
                assertThat(m.cluster().key()).isEqualTo("outbound|9080|v2|reviews.default.svc.cluster.local");
            });
        }
    }

    @Test
    void mirrorPercentageAndMirrorsListAreKept() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews, subset: v1}}]
                    mirrors:
                    - destination: {host: reviews, subset: v2}
                      percentage: {value: 50}
                    - destination: {host: reviews, subset: v3}
                    - destination: {host: ratings}
                      percentage: {value: 0}
                """)) {
            assertThat(mesh.route(get("http://reviews:9080/")).mirrors())
                    .extracting(Mirror::subset, Mirror::percentage)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("v2", 50.0),
                            org.assertj.core.groups.Tuple.tuple("v3", 100.0));
        }
    }

    @Test
    void circuitBreakerLimitsComeFromTheDestinationRule() {
        try (Mesh mesh = mesh(dir, """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: httpbin}
                spec:
                  hosts: [httpbin.default.svc.cluster.local]
                  resolution: STATIC
                  ports: [{number: 8000, name: http, protocol: HTTP}]
                  endpoints: [{address: 10.0.2.1}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: httpbin}
                spec:
                  host: httpbin
                  trafficPolicy:
                    connectionPool:
                      tcp: {maxConnections: 1}
                      http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}
                    outlierDetection:
                      consecutive5xxErrors: 1
                      interval: 1s
                      baseEjectionTime: 3m
                      maxEjectionPercent: 100
                """)) {
            RouteDecision d = mesh.route(get("http://httpbin:8000/get"));
            assertThat(d.cluster().key()).isEqualTo("outbound|8000||httpbin.default.svc.cluster.local");
            assertThat(d.cluster().policy().connectionPool().tcp().maxConnections()).isEqualTo(1);
            assertThat(d.cluster().policy().connectionPool().http().http1MaxPendingRequests()).isEqualTo(1);
            assertThat(d.cluster().policy().outlierDetection().consecutive5xxErrors()).isEqualTo(1);
        }
    }

    private static String shift(int v1, int v3) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v1}
                      weight: %d
                    - destination: {host: reviews, subset: v3}
                      weight: %d
                """.formatted(v1, v3);
    }
}
