package io.proxyless.mesh.opentelemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.call.RequestHeaderContributor;
import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.MeshListeners;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

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
        Set<String> read = requestHeaderNames(configured);
        RequestHeaderContributor contributor = new RequestHeaderContributor() {
            @Override
            public PerCall newCall(CallView call) {
                return new TracedCall(tracer, configured, mesh.clock(), call);
            }

            @Override
            public Set<String> requestHeaderNames() {
                return read;
            }
        };
        return new MeshTracing(mesh.addHeaderContributor(contributor));
    }

    /**
     * The request headers a call's tracing reads: the trace context it may continue (the configured propagators'
     * fields, W3C's and B3's) and {@code x-request-id}, declared so that adapters make their keys once per snapshot.
     */
    static Set<String> requestHeaderNames(TextMapPropagator configured) {
        Set<String> names = new HashSet<>(B3.EXTRACTED);
        names.add(TracedCall.REQUEST_ID);
        for (String field : configured.fields()) {
            names.add(field.toLowerCase(Locale.ROOT));
        }
        for (String field : W3CTraceContextPropagator.getInstance().fields()) {
            names.add(field.toLowerCase(Locale.ROOT));
        }
        return Set.copyOf(names);
    }

    /** Stops tracing calls that start from now on; calls in flight finish their spans. */
    @Override
    public void close() {
        registration.close();
    }
}
