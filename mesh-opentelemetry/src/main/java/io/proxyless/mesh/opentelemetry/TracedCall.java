package io.proxyless.mesh.opentelemetry;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RequestHeaders;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.call.HeaderSink;
import io.proxyless.mesh.runtime.call.RequestHeaderContributor;
import io.proxyless.mesh.runtime.event.AccessLog;
import io.proxyless.mesh.runtime.event.AttemptView;
import io.proxyless.mesh.runtime.event.CallEnd;
import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.ResponseFlag;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The spans of one call: its CLIENT span, started when the call starts, and the span of the attempt running, a
 * child of it. The engine calls it in the call's serial executor (and {@link #attemptHeaders} on the thread that
 * sends the attempt, after {@link #attemptStarted}), one step at a time, so it needs no synchronisation.
 */
final class TracedCall implements RequestHeaderContributor.PerCall {
    private static final TextMapGetter<RequestHeaders> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(RequestHeaders carrier) {
            return List.of(); // RequestHeaders is looked up by name only; propagators ask for their own names
        }

        @Override
        public String get(RequestHeaders carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };
    /** The request id header, read from the request and written on every attempt. */
    static final String REQUEST_ID = "x-request-id";
    private static final TextMapSetter<HeaderSink> SETTER = (sink, name, value) -> {
        if (sink != null) {
            sink.set(name, value);
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator configured;
    private final MeshClock clock;
    private final String name;
    private final long startEpochNanos;
    private final long startNanos;
    private final Context parent;
    private final Span span;
    private final Context context;
    private final String requestId;
    private final boolean generatedRequestId;
    private AttemptView attempt;
    private Span attemptSpan;

    TracedCall(Tracer tracer, TextMapPropagator configured, MeshClock clock, CallView call) {
        this.tracer = tracer;
        this.configured = configured;
        this.clock = clock;
        RouteRequest request = call.request();
        boolean grpc = "grpc".equals(call.protocol());
        this.name = grpc ? rpcName(request.path()) : request.method();
        this.startNanos = call.startNanos();
        this.startEpochNanos = TimeUnit.MILLISECONDS.toNanos(call.startMillis());
        this.parent = parentOf(request.headers());
        String id = request.headers().get(REQUEST_ID);
        this.generatedRequestId = id == null || id.isEmpty();
        this.requestId = generatedRequestId ? RequestIds.next() : id;

        SpanBuilder b = clientSpan(parent, startEpochNanos)
                .setAttribute(MeshAttributes.HTTP_REQUEST_METHOD, request.method())
                .setAttribute(MeshAttributes.SERVER_ADDRESS, request.host())
                .setAttribute(MeshAttributes.SERVER_PORT, (long) request.port())
                .setAttribute(MeshAttributes.HTTP_REQUEST_HEADER_X_REQUEST_ID, List.of(requestId));
        if (grpc) {
            int slash = request.path().lastIndexOf('/');
            b.setAttribute(MeshAttributes.RPC_SYSTEM, "grpc");
            if (slash > 0) {
                b.setAttribute(MeshAttributes.RPC_SERVICE, request.path().substring(1, slash));
                b.setAttribute(MeshAttributes.RPC_METHOD, request.path().substring(slash + 1));
            }
        } else {
            b.setAttribute(MeshAttributes.URL_FULL, request.scheme() + "://" + request.authority() + request.path()
                    + (request.query() == null ? "" : "?" + request.query()));
        }
        this.span = b.startSpan();
        this.context = parent.with(span);
    }

    /**
     * The span current on the starting thread; else the context the request carries (W3C, then B3), so a trace
     * the application propagates by hand goes on through the mesh.
     */
    private Context parentOf(RequestHeaders headers) {
        Context current = Context.current();
        if (Span.fromContext(current).getSpanContext().isValid()) {
            return current;
        }
        Context extracted = configured.extract(current, headers, GETTER);
        if (Span.fromContext(extracted).getSpanContext().isValid()) {
            return extracted;
        }
        extracted = W3CTraceContextPropagator.getInstance().extract(current, headers, GETTER);
        if (Span.fromContext(extracted).getSpanContext().isValid()) {
            return extracted;
        }
        SpanContext b3 = B3.extract(headers);
        return b3.isValid() ? current.with(Span.wrap(b3)) : current;
    }

    private SpanBuilder clientSpan(Context parentContext, long epochNanos) {
        return tracer.spanBuilder(name).setParent(parentContext).setSpanKind(SpanKind.CLIENT)
                .setStartTimestamp(epochNanos, TimeUnit.NANOSECONDS);
    }

    /** Now on the mesh clock, as epoch nanoseconds (the call's wall-clock start plus mesh-clock time since). */
    private long epochNanos(long meshNanos) {
        return startEpochNanos + (meshNanos - startNanos);
    }

    // ---- the call's events ----

    @Override
    public void routed(CallView call) {
        RouteDecision d = call.decision();
        span.setAttribute(MeshAttributes.ROUTE, routeName(d));
        if (d.virtualService() != null) {
            span.setAttribute(MeshAttributes.VIRTUAL_SERVICE, d.virtualService());
        }
        if (d.cluster() != null) {
            span.setAttribute(MeshAttributes.CLUSTER, d.cluster().key());
            if (!d.cluster().passthrough()) {
                span.setAttribute(MeshAttributes.DESTINATION_SERVICE, d.cluster().host());
            }
        }
        String subset = d.destinationSubset();
        if (subset != null && !subset.isEmpty()) {
            span.setAttribute(MeshAttributes.SUBSET, subset);
        }
    }

    @Override
    public void attemptStarted(CallView call, AttemptView a) {
        endAttempt(null); // never left open, but a span must not leak if an adapter skipped a report
        Endpoint e = a.endpoint();
        SpanBuilder b = clientSpan(context, epochNanos(a.startNanos()))
                .setAttribute(MeshAttributes.HTTP_REQUEST_METHOD, call.request().method())
                .setAttribute(MeshAttributes.SERVER_ADDRESS, call.request().host())
                .setAttribute(MeshAttributes.SERVER_PORT, (long) call.request().port())
                .setAttribute(MeshAttributes.ATTEMPT, (long) a.number())
                .setAttribute(MeshAttributes.CLUSTER, a.clusterKey())
                .setAttribute(MeshAttributes.ENDPOINT, e.authority())
                .setAttribute(MeshAttributes.NETWORK_PEER_ADDRESS, e.address())
                .setAttribute(MeshAttributes.NETWORK_PEER_PORT, (long) e.port());
        if (a.number() > 1) {
            b.setAttribute(MeshAttributes.HTTP_REQUEST_RESEND_COUNT, (long) (a.number() - 1));
        }
        String version = e.labels().get("version");
        if (version != null) {
            b.setAttribute(MeshAttributes.ENDPOINT_VERSION, version);
        }
        attempt = a;
        attemptSpan = b.startSpan();
    }

    @Override
    public void attemptHeaders(AttemptView a, HeaderSink headers) {
        Span s = a == attempt && attemptSpan != null ? attemptSpan : span;
        Context c = context.with(s);
        configured.inject(c, headers, SETTER);
        W3CTraceContextPropagator.getInstance().inject(c, headers, SETTER);
        B3.inject(s.getSpanContext(), span.getSpanContext(), headers);
        if (generatedRequestId) {
            headers.set(REQUEST_ID, requestId);
        }
    }

    @Override
    public void attemptFinished(CallView call, AttemptView a) {
        if (a == attempt) {
            endAttempt(a);
        }
    }

    @Override
    public void retrying(CallView call, AttemptView failed, int retry, Duration backoff) {
        span.addEvent("mesh.retry", Attributes.of(
                MeshAttributes.ATTEMPT, (long) retry + 1,
                MeshAttributes.BACKOFF_MS, backoff.toMillis()),
                epochNanos(clock.nanoTime()), TimeUnit.NANOSECONDS);
    }

    @Override
    public void callFinished(CallView call) {
        endAttempt(null);
        boolean grpc = "grpc".equals(call.protocol());
        int code = call.responseCode();
        if (code > 0) {
            span.setAttribute(MeshAttributes.HTTP_RESPONSE_STATUS_CODE, (long) code);
        }
        if (grpc && call.grpcStatus() >= 0) {
            span.setAttribute(MeshAttributes.RPC_GRPC_STATUS_CODE, (long) call.grpcStatus());
        }
        AttemptView last = call.lastAttempt();
        if (last != null) {
            span.setAttribute(MeshAttributes.ENDPOINT, last.endpoint().authority());
        }
        span.setAttribute(MeshAttributes.RESPONSE_FLAGS, ResponseFlag.format(call.responseFlags()));
        String details = AccessLog.responseCodeDetails(call);
        if (details != null) {
            span.setAttribute(MeshAttributes.RESPONSE_CODE_DETAILS, details);
        }
        span.setAttribute(MeshAttributes.RETRY_COUNT, (long) Math.max(0, call.attempts() - 1));
        String error = grpc ? grpcError(call) : httpError(code, call.end());
        if (error != null) {
            span.setAttribute(MeshAttributes.ERROR_TYPE, error);
            span.setStatus(StatusCode.ERROR);
        }
        span.end(epochNanos(call.durationNanos() < 0 ? clock.nanoTime() : startNanos + call.durationNanos()),
                TimeUnit.NANOSECONDS);
    }

    /** Ends the attempt's span, with what the attempt came to when it is known ({@code a} not null). */
    private void endAttempt(AttemptView a) {
        Span s = attemptSpan;
        if (s == null) {
            return;
        }
        attemptSpan = null;
        attempt = null;
        if (a != null) {
            AttemptOutcome outcome = a.outcome();
            s.setAttribute(MeshAttributes.RESPONSE_FLAGS, ResponseFlag.format(a.responseFlags()));
            if (outcome == null) {
                s.setAttribute(MeshAttributes.ERROR_TYPE, "abandoned");
                s.setStatus(StatusCode.ERROR);
            } else {
                s.setAttribute(MeshAttributes.OUTCOME, outcome.toString());
                if (outcome.isResponse() && outcome.grpcStatus() == null) {
                    s.setAttribute(MeshAttributes.HTTP_RESPONSE_STATUS_CODE, (long) outcome.status());
                }
                String error = outcome.isResponse()
                        ? (outcome.grpcStatus() != null ? (outcome.status() >= 400 ? outcome.grpcStatus() : null)
                                : (outcome.status() >= 400 ? Integer.toString(outcome.status()) : null))
                        : outcome.kind().name().toLowerCase(Locale.ROOT);
                if (error != null) {
                    s.setAttribute(MeshAttributes.ERROR_TYPE, error);
                    s.setStatus(StatusCode.ERROR);
                }
            }
        }
        s.end(epochNanos(clock.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** OpenTelemetry's HTTP client rule: 4xx and 5xx are errors; no response at all is one too. */
    private static String httpError(int code, CallEnd end) {
        if (code >= 400) {
            return Integer.toString(code);
        }
        return code > 0 || end == CallEnd.COMPLETED || end == CallEnd.LOCAL_REPLY ? null : endName(end);
    }

    /** OpenTelemetry's gRPC client rule: any status but OK is an error. */
    private static String grpcError(CallView call) {
        int status = call.grpcStatus();
        if (status == 0) {
            return null;
        }
        return status > 0 ? Integer.toString(status) : call.end() == CallEnd.COMPLETED ? null : endName(call.end());
    }

    private static String endName(CallEnd end) {
        return end.name().toLowerCase(Locale.ROOT);
    }

    private static String routeName(RouteDecision d) {
        if (d.route() == null) {
            return "default";
        }
        String n = d.route().name();
        return n == null || n.isEmpty() ? d.route().toString() : n;
    }

    /** {@code pkg.Service/Method} from {@code /pkg.Service/Method}, OpenTelemetry's RPC span name. */
    private static String rpcName(String path) {
        return path.startsWith("/") ? path.substring(1) : path;
    }
}
