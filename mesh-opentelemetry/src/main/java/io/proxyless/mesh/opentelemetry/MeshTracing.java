package io.proxyless.mesh.opentelemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.call.RequestHeaderContributor;
import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.MeshListeners;
import java.util.Objects;

/**
 * Traces calls through the mesh as a sidecar's Envoy traces what passes through it: one CLIENT span per call as
 * the application made it and, as its children, one CLIENT span per attempt (so retries are visible), with
 * attributes that say what the mesh did ({@link MeshAttributes}). Every attempt's request carries the attempt
 * span's context as W3C {@code traceparent} and as B3 ({@code x-b3-*}) headers, and an {@code x-request-id} —
 * the application's, else one generated per call (a UUID, the same on every retry), as Istio's sidecar does.
 * OkHttp, gRPC and the JDK's HttpClient get it alike: it is the call engine's, not an adapter's.
 *
 * <pre>{@code
 * OpenTelemetry otel = ...;                              // the application's SDK or agent
 * try (MeshTracing tracing = MeshTracing.bindTo(mesh, otel)) {
 *     // calls that start from now on are traced
 * }
 * }</pre>
 *
 * <p>A call's parent is the span current on the thread that starts it; when there is none, the trace context the
 * request itself carries ({@code traceparent}, else B3), so an application that propagates by hand is continued.
 * Span times are read from the mesh's clock. Besides W3C and B3, the OpenTelemetry instance's own propagators
 * (baggage, …) inject into each attempt too.
 */
public final class MeshTracing implements AutoCloseable {
    /** The instrumentation scope of the spans. */
    public static final String INSTRUMENTATION_NAME = "io.proxyless.mesh.opentelemetry";

    private final MeshListeners.Registration registration;

    private MeshTracing(MeshListeners.Registration registration) {
        this.registration = registration;
    }

    /** Traces the calls of {@code mesh} that start from now on, with {@code openTelemetry}'s tracer. */
    public static MeshTracing bindTo(Mesh mesh, OpenTelemetry openTelemetry) {
        Objects.requireNonNull(mesh, "mesh");
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        Tracer tracer = openTelemetry.getTracer(INSTRUMENTATION_NAME);
        TextMapPropagator configured = openTelemetry.getPropagators().getTextMapPropagator();
        RequestHeaderContributor contributor =
                (CallView call) -> new TracedCall(tracer, configured, mesh.clock(), call);
        return new MeshTracing(mesh.addHeaderContributor(contributor));
    }

    /** Stops tracing calls that start from now on; calls in flight finish their spans. */
    @Override
    public void close() {
        registration.close();
    }
}
