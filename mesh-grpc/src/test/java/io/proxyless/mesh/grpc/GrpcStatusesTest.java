package io.proxyless.mesh.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.call.FaultDecision;
import org.junit.jupiter.api.Test;

class GrpcStatusesTest {
    @Test
    void httpStatusesMapAsEnvoyMapsThemForGrpcCallers() {
        assertThat(GrpcStatuses.fromHttp(400)).isEqualTo(Status.Code.INTERNAL);
        assertThat(GrpcStatuses.fromHttp(401)).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(GrpcStatuses.fromHttp(403)).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(GrpcStatuses.fromHttp(404)).isEqualTo(Status.Code.UNIMPLEMENTED);
        for (int s : new int[] {429, 502, 503, 504}) {
            assertThat(GrpcStatuses.fromHttp(s)).as("%s", s).isEqualTo(Status.Code.UNAVAILABLE);
        }
        assertThat(GrpcStatuses.fromHttp(500)).isEqualTo(Status.Code.UNKNOWN);
        assertThat(GrpcStatuses.fromHttp(418)).isEqualTo(Status.Code.UNKNOWN);
    }

    @Test
    void aFaultAbortIsTheGrpcStatusGivenByNameOrNumberOrTheMappedHttpStatus() {
        RouteDecision d = RouteDecision.reject("reviews", 9080, null, 404, "test");
        assertThat(GrpcStatuses.faultAbort(new FaultDecision(null, null, "unavailable"), d).getCode())
                .isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(GrpcStatuses.faultAbort(new FaultDecision(null, null, "CANCELED"), d).getCode())
                .isEqualTo(Status.Code.CANCELLED);
        assertThat(GrpcStatuses.faultAbort(new FaultDecision(null, null, "8"), d).getCode())
                .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(GrpcStatuses.faultAbort(new FaultDecision(null, null, "SOMETIMES"), d).getCode())
                .isEqualTo(Status.Code.UNKNOWN);
        assertThat(GrpcStatuses.faultAbort(new FaultDecision(null, 403, null), d).getCode())
                .isEqualTo(Status.Code.PERMISSION_DENIED);
    }
}
