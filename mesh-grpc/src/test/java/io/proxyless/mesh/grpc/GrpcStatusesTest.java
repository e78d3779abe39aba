package io.proxyless.mesh.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
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
    void grpcStatusNamesAndNumbersAreRead() {
        assertThat(GrpcStatuses.fromName("unavailable")).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(GrpcStatuses.fromName("CANCELED")).isEqualTo(Status.Code.CANCELLED);
        assertThat(GrpcStatuses.fromName("8")).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(GrpcStatuses.fromName("17")).isNull();
        assertThat(GrpcStatuses.fromName("SOMETIMES")).isNull();
    }
}
