package io.proxyless.mesh.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What tracing declares it reads from requests, so that adapters make those header keys once per snapshot. */
class MeshTracingTest {
    @TempDir
    Path dir;

    @Test
    void tracingDeclaresTheTraceContextAndRequestIdHeadersItReadsWhileBound() {
        OpenTelemetry otel = OpenTelemetry.propagating(ContextPropagators.create(W3CBaggagePropagator.getInstance()));
        try (Mesh mesh = MeshYaml.mesh(dir, MeshYaml.serviceEntry("reviews", 9080, MeshYaml.endpoint(8080, "")))) {
            try (MeshTracing traced = MeshTracing.bindTo(mesh, otel)) {
                assertThat(mesh.headerContributors().requestHeaderNames()).containsExactlyInAnyOrder(
                        "baggage", "traceparent", "tracestate", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled",
                        "x-b3-flags", "x-request-id");
            }
            assertThat(mesh.headerContributors().requestHeaderNames()).isEmpty();
        }
    }
}
