package io.proxyless.mesh.runtime.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.HTTPRetry;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.routing.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryRulesTest {

    private static RetryPolicy retryOn(String retryOn) {
        return RetryPolicy.from(HTTPRetry.of(3, Duration.ofMillis(100), retryOn), false);
    }

    @Test
    void defaultPolicyPassesA503ThroughSinceIstio124() {
        RetryPolicy p = RetryPolicy.ISTIO_DEFAULT;
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(503), 0)).isFalse();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(500), 0)).isFalse();
    }

    @Test
    void defaultPolicyRetriesConnectFailuresTwice() {
        RetryPolicy p = RetryPolicy.ISTIO_DEFAULT;
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.connectFailure(), 0)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.connectFailure(), 1)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.connectFailure(), 2)).as("3 tries in all").isFalse();
    }

    @Test
    void defaultPolicyDoesNotRetryAResetAfterTheRequestWasSent() {
        assertThat(RetryRules.shouldRetry(RetryPolicy.ISTIO_DEFAULT, AttemptOutcome.reset(), 0)).isFalse();
    }

    @Test
    void defaultPolicyRetriesARefusedStream() {
        assertThat(RetryRules.shouldRetry(RetryPolicy.ISTIO_DEFAULT, AttemptOutcome.reset(), true, true, 0)).isTrue();
    }

    @Test
    void fiveXxRetriesEvery5xxAndEveryReset() {
        RetryPolicy p = retryOn("5xx");
        for (int s = 500; s <= 599; s++) {
            assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(s), 0)).as("status %d", s).isTrue();
        }
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(404), 0)).isFalse();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.reset(), 0)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.connectFailure(), 0)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.timeout(), 0)).as("per-try timeout").isTrue();
    }

    @Test
    void gatewayErrorRetriesOnly502To504() {
        RetryPolicy p = retryOn("gateway-error");
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(502), 0)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(503), 0)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(504), 0)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(500), 0)).isFalse();
    }

    @Test
    void retriable4xxMeans409Only() {
        RetryPolicy p = retryOn("retriable-4xx");
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(409), 0)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(429), 0)).isFalse();
    }

    @Test
    void integerTokensAreRetriableStatusCodes() {
        RetryPolicy p = retryOn("connect-failure,429,503");
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(429), 0)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(503), 0)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(502), 0)).isFalse();
    }

    @Test
    void connectFailureAloneDoesNotRetryResetsOrTimeouts() {
        RetryPolicy p = retryOn("connect-failure");
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.connectFailure(), 0)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.reset(), 0)).isFalse();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.timeout(), 0)).isFalse();
    }

    @Test
    void resetBeforeRequestRetriesOnlyWhenNothingWasSent() {
        RetryPolicy p = retryOn("reset-before-request");
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.reset(), false, false, 0)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.reset(), false, true, 0)).isFalse();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.connectFailure(), 0)).as("nothing sent").isTrue();
    }

    @Test
    void resetRetriesAnyResetAndPerTryTimeout() {
        RetryPolicy p = retryOn("reset");
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.reset(), 0)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.timeout(), 0)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(503), 0)).isFalse();
    }

    @Test
    void grpcStatusesAreRetriedByTheirOwnTokensNotByHttpConditions() {
        RetryPolicy p = retryOn("unavailable,deadline-exceeded");
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.grpcStatus("UNAVAILABLE"), 0)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.grpcStatus("DEADLINE_EXCEEDED"), 0)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.grpcStatus("INTERNAL"), 0)).isFalse();
        assertThat(RetryRules.shouldRetry(retryOn("5xx"), AttemptOutcome.grpcStatus("UNAVAILABLE"), 0))
                .as("a gRPC response has :status 200").isFalse();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.grpcStatus("UNAVAILABLE", false), 0))
                .as("a status in trailers after headers comes too late").isFalse();
        assertThat(RetryRules.shouldRetry(retryOn("cancelled"), AttemptOutcome.grpcStatus("CANCELLED"), 0)).isTrue();
    }

    @Test
    void noPolicyMeansNoRetry() {
        RetryPolicy off = RetryPolicy.from(HTTPRetry.of(0, null, null), false);
        assertThat(off).isNull();
        assertThat(RetryRules.shouldRetry(off, AttemptOutcome.connectFailure(), 0)).isFalse();
    }

    @Test
    void attemptsBoundTheRetries() {
        RetryPolicy p = retryOn("5xx");
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(503), 2)).isTrue();
        assertThat(RetryRules.shouldRetry(p, AttemptOutcome.httpStatus(503), 3)).isFalse();
    }

    @Test
    void everyStatusIsJudgedAsTheConditionsAndCodesSay() {
        // The policy answers a status from bits worked out when it is made; the rule, written out, must agree.
        for (String retryOn : new String[] {"5xx", "gateway-error", "retriable-4xx", "503,429,599,600,100",
                "gateway-error,409,500", "connect-failure", "retriable-status-codes"}) {
            RetryPolicy p = retryOn(retryOn);
            for (int s = 100; s <= 999; s++) {
                boolean expected = (s >= 500 && s <= 599 && retryOn.contains("5xx"))
                        || ((s == 502 || s == 503 || s == 504) && retryOn.contains("gateway-error"))
                        || (s == 409 && retryOn.contains("retriable-4xx"))
                        || p.retriableStatusCodes().contains(s);
                assertThat(p.retriesStatus(s)).as("%s, status %d", retryOn, s).isEqualTo(expected);
            }
        }
        assertThat(RetryPolicy.ISTIO_DEFAULT.retriesStatus(503)).isFalse();
        assertThat(RetryPolicy.ISTIO_DEFAULT).isEqualTo(RetryPolicy.from(null, false));
    }
}
