package io.proxyless.mesh.opentelemetry;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.proxyless.mesh.runtime.RequestHeaders;
import io.proxyless.mesh.runtime.call.HeaderSink;
import java.util.Set;

/**
 * Zipkin's B3 headers in the multi-header form Envoy's tracers send ({@code x-b3-traceid}, {@code x-b3-spanid},
 * {@code x-b3-parentspanid}, {@code x-b3-sampled}), so services that read only B3 join the trace. Written here
 * because OpenTelemetry ships its B3 propagator outside the API, which is all this module depends on.
 */
final class B3 {
    static final String TRACE_ID = "x-b3-traceid";
    static final String SPAN_ID = "x-b3-spanid";
    static final String PARENT_SPAN_ID = "x-b3-parentspanid";
    static final String SAMPLED = "x-b3-sampled";
    static final String FLAGS = "x-b3-flags";
    /** The headers {@link #extract} reads. */
    static final Set<String> EXTRACTED = Set.of(TRACE_ID, SPAN_ID, SAMPLED, FLAGS);

    private B3() {
    }

    /** Writes {@code span}'s context, with {@code parent}'s span id as the parent when it is valid. */
    static void inject(SpanContext span, SpanContext parent, HeaderSink headers) {
        if (!span.isValid()) {
            return;
        }
        headers.set(TRACE_ID, span.getTraceId());
        headers.set(SPAN_ID, span.getSpanId());
        if (parent.isValid()) {
            headers.set(PARENT_SPAN_ID, parent.getSpanId());
        } else {
            headers.remove(PARENT_SPAN_ID);
        }
        headers.set(SAMPLED, span.isSampled() ? "1" : "0");
    }

    /** The remote context in {@code headers}' B3 headers, or an invalid context when they hold none. */
    static SpanContext extract(RequestHeaders headers) {
        String traceId = headers.get(TRACE_ID);
        String spanId = headers.get(SPAN_ID);
        if (traceId == null || spanId == null) {
            return SpanContext.getInvalid();
        }
        if (traceId.length() == 16) {
            traceId = "0000000000000000" + traceId; // 64-bit trace ids are left-padded to 128 bits
        }
        if (!TraceId.isValid(traceId) || !SpanId.isValid(spanId)) {
            return SpanContext.getInvalid();
        }
        String sampled = headers.get(SAMPLED);
        boolean isSampled = "1".equals(sampled) || "true".equalsIgnoreCase(sampled)
                || "1".equals(headers.get(FLAGS)); // debug implies sampled
        return SpanContext.createFromRemoteParent(traceId, spanId,
                isSampled ? TraceFlags.getSampled() : TraceFlags.getDefault(), TraceState.getDefault());
    }
}
