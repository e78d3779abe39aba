package io.proxyless.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.proxyless.mesh.grpc.MeshChannelBuilder;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which channel builders become mesh channel builders: mesh hosts with insecure credentials only. */
class GrpcHookTest {
    @TempDir
    Path dir;
    Mesh mesh;
    GrpcHook hook;

    @BeforeEach
    void mesh() {
        mesh = MeshYaml.mesh(dir, MeshYaml.serviceEntry("reviews", 9080, MeshYaml.endpoint(1, "")));
        hook = new GrpcHook(mesh);
    }

    @AfterEach
    void close() {
        mesh.close();
    }

    @Test
    void aMeshHostBecomesAMeshChannel() {
        assertThat(hook.forTarget("reviews:9080", null)).isInstanceOf(MeshChannelBuilder.class);
        assertThat(hook.forTarget("dns:///reviews:9080", null)).isInstanceOf(MeshChannelBuilder.class);
        assertThat(hook.forTarget("reviews.default.svc.cluster.local:9080", InsecureChannelCredentials.create()))
                .isInstanceOf(MeshChannelBuilder.class);
        assertThat(hook.forAddress("reviews", 9080, null)).isInstanceOf(MeshChannelBuilder.class);
    }

    @Test
    void otherTargetsStayGrpcJavas() {
        assertThat(hook.forTarget("localhost:9080", null)).as("a host the mesh does not know").isNull();
        assertThat(hook.forTarget("reviews", null)).as("no port").isNull();
        assertThat(hook.forTarget("xds:///reviews:9080", null)).as("another resolver").isNull();
        assertThat(hook.forTarget("unix:///tmp/socket", null)).isNull();
        assertThat(hook.forAddress("reviews", 9080, TlsChannelCredentials.create()))
                .as("the application's own transport security").isNull();
    }
}
