package io.proxyless.mesh.runtime.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.runtime.health.AttemptOutcome.Kind;
import org.junit.jupiter.api.Test;

class AttemptOutcomeTest {

    @Test
    void onlyFiveOhTwoThreeAndFourAreGatewayErrors() {
        assertThat(AttemptOutcome.httpStatus(502).kind()).isEqualTo(Kind.GATEWAY_ERROR);
        assertThat(AttemptOutcome.httpStatus(503).kind()).isEqualTo(Kind.GATEWAY_ERROR);
        assertThat(AttemptOutcome.httpStatus(504).kind()).isEqualTo(Kind.GATEWAY_ERROR);
        assertThat(AttemptOutcome.httpStatus(500).kind()).isEqualTo(Kind.HTTP_5XX);
        assertThat(AttemptOutcome.httpStatus(501).kind()).isEqualTo(Kind.HTTP_5XX);
        assertThat(AttemptOutcome.httpStatus(599).kind()).isEqualTo(Kind.HTTP_5XX);
    }

    @Test
    void everyStatusBelowFiveHundredIsASuccessForOutlierDetection() {
        for (int status : new int[] {100, 200, 204, 301, 404, 429, 499}) {
            assertThat(AttemptOutcome.httpStatus(status).kind()).as("status %d", status).isEqualTo(Kind.SUCCESS);
        }
    }

    @Test
    void httpStatusesAreSharedInstances() {
        assertThat(AttemptOutcome.httpStatus(503)).isSameAs(AttemptOutcome.httpStatus(503));
    }

    @Test
    void statusesOutsideTheHttpRangeAreRejected() {
        assertThatThrownBy(() -> AttemptOutcome.httpStatus(99)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AttemptOutcome.httpStatus(600)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aNumericGrpcCodeIsTheSameOutcomeAsItsName() {
        for (int code = 0; code <= 16; code++) {
            for (boolean trailersOnly : new boolean[] {true, false}) {
                assertThat(AttemptOutcome.grpcStatus(code, trailersOnly)).as("code %d", code)
                        .isSameAs(AttemptOutcome.grpcStatus(Integer.toString(code), trailersOnly));
            }
        }
        assertThat(AttemptOutcome.grpcStatus(14, true).grpcStatus()).isEqualTo("UNAVAILABLE");
        assertThat(AttemptOutcome.grpcStatus(17, true).status()).isEqualTo(500);
        assertThat(AttemptOutcome.grpcStatus(-1, false).kind()).isEqualTo(Kind.SUCCESS);
    }

    @Test
    void grpcStatusesMapToHttpLikeEnvoysGrpcToHttpStatus() {
        assertThat(AttemptOutcome.grpcStatus("OK").status()).isEqualTo(200);
        assertThat(AttemptOutcome.grpcStatus("CANCELLED").status()).isEqualTo(499);
        assertThat(AttemptOutcome.grpcStatus("UNKNOWN").status()).isEqualTo(500);
        assertThat(AttemptOutcome.grpcStatus("INVALID_ARGUMENT").status()).isEqualTo(400);
        assertThat(AttemptOutcome.grpcStatus("DEADLINE_EXCEEDED").status()).isEqualTo(504);
        assertThat(AttemptOutcome.grpcStatus("NOT_FOUND").status()).isEqualTo(404);
        assertThat(AttemptOutcome.grpcStatus("ALREADY_EXISTS").status()).isEqualTo(409);
        assertThat(AttemptOutcome.grpcStatus("PERMISSION_DENIED").status()).isEqualTo(403);
        assertThat(AttemptOutcome.grpcStatus("RESOURCE_EXHAUSTED").status()).isEqualTo(429);
        assertThat(AttemptOutcome.grpcStatus("FAILED_PRECONDITION").status()).isEqualTo(400);
        assertThat(AttemptOutcome.grpcStatus("ABORTED").status()).isEqualTo(409);
        assertThat(AttemptOutcome.grpcStatus("OUT_OF_RANGE").status()).isEqualTo(400);
        assertThat(AttemptOutcome.grpcStatus("UNIMPLEMENTED").status()).isEqualTo(501);
        assertThat(AttemptOutcome.grpcStatus("INTERNAL").status()).isEqualTo(500);
        assertThat(AttemptOutcome.grpcStatus("UNAVAILABLE").status()).isEqualTo(503);
        assertThat(AttemptOutcome.grpcStatus("DATA_LOSS").status()).isEqualTo(500);
        assertThat(AttemptOutcome.grpcStatus("UNAUTHENTICATED").status()).isEqualTo(401);
    }

    @Test
    void grpcUnavailableIsAGatewayErrorAndResourceExhaustedIsNotAnError() {
        assertThat(AttemptOutcome.grpcStatus("UNAVAILABLE").kind()).isEqualTo(Kind.GATEWAY_ERROR);
        assertThat(AttemptOutcome.grpcStatus("DEADLINE_EXCEEDED").kind()).isEqualTo(Kind.GATEWAY_ERROR);
        assertThat(AttemptOutcome.grpcStatus("INTERNAL").kind()).isEqualTo(Kind.HTTP_5XX);
        assertThat(AttemptOutcome.grpcStatus("RESOURCE_EXHAUSTED").kind()).isEqualTo(Kind.SUCCESS);
    }

    @Test
    void grpcCodesAreAcceptedByNumberAnyCaseAndEnvoysSpelling() {
        assertThat(AttemptOutcome.grpcStatus("14")).isSameAs(AttemptOutcome.grpcStatus("UNAVAILABLE"));
        assertThat(AttemptOutcome.grpcStatus("unavailable")).isSameAs(AttemptOutcome.grpcStatus("UNAVAILABLE"));
        assertThat(AttemptOutcome.grpcStatus("CANCELED").grpcStatus()).isEqualTo("CANCELLED");
    }

    @Test
    void anUnknownGrpcCodeCountsAsInternalServerError() {
        AttemptOutcome outcome = AttemptOutcome.grpcStatus("TEAPOT");
        assertThat(outcome.status()).isEqualTo(500);
        assertThat(outcome.kind()).isEqualTo(Kind.HTTP_5XX);
        assertThat(outcome.grpcStatus()).isEqualTo("TEAPOT");
    }

    @Test
    void aGrpcErrorThatFollowsResponseHeadersIsSeenAsTheTwoHundredBeforeIt() {
        AttemptOutcome outcome = AttemptOutcome.grpcStatus("UNAVAILABLE", false);
        assertThat(outcome.status()).isEqualTo(200);
        assertThat(outcome.kind()).isEqualTo(Kind.SUCCESS);
        assertThat(outcome.grpcStatus()).isEqualTo("UNAVAILABLE");
    }

    @Test
    void localFailuresAreSeenAs503ExceptTimeoutsAs504() {
        assertThat(AttemptOutcome.connectFailure().outlierStatus()).isEqualTo(503);
        assertThat(AttemptOutcome.reset().outlierStatus()).isEqualTo(503);
        assertThat(AttemptOutcome.localOriginFailure().outlierStatus()).isEqualTo(503);
        assertThat(AttemptOutcome.timeout().outlierStatus()).isEqualTo(504);
        assertThat(AttemptOutcome.timeout().isLocalOrigin()).isTrue();
        assertThat(AttemptOutcome.httpStatus(503).isLocalOrigin()).isFalse();
        assertThat(AttemptOutcome.httpStatus(418).outlierStatus()).isEqualTo(418);
    }
}
