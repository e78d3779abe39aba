package io.proxyless.mesh.runtime.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One access-log line per call, as a sidecar writes for its outbound requests, in Istio's default text format or
 * as JSON with Istio's default keys. Opt-in: add it as a listener,
 * {@code Mesh.builder().listener(AccessLog.text())}; lines go to the SLF4J logger {@value #LOGGER_NAME} at INFO,
 * so the logging config decides where they end up (and can switch them off).
 *
 * <p>The text format is Istio's {@code accessLogFormat} default, field for field:
 * <pre>
 * [START_TIME] "METHOD PATH PROTOCOL" RESPONSE_CODE RESPONSE_FLAGS RESPONSE_CODE_DETAILS
 * CONNECTION_TERMINATION_DETAILS "UPSTREAM_TRANSPORT_FAILURE_REASON" BYTES_RECEIVED BYTES_SENT DURATION
 * UPSTREAM_SERVICE_TIME "X-FORWARDED-FOR" "USER-AGENT" "X-REQUEST-ID" "AUTHORITY" "UPSTREAM_HOST"
 * UPSTREAM_CLUSTER UPSTREAM_LOCAL_ADDRESS DOWNSTREAM_LOCAL_ADDRESS DOWNSTREAM_REMOTE_ADDRESS
 * REQUESTED_SERVER_NAME ROUTE_NAME
 * </pre>
 * (one line). As in Envoy, a value the client does not know is {@code -}: a client-side mesh sees neither the
 * socket addresses of the connection its transport picked nor the server-side timing header, and it logs the
 * protocol as the application speaks it ({@code HTTP/1.1} for HTTP, {@code HTTP/2} for gRPC), not as the
 * transport negotiated it. {@code docs/telemetry.md} lists each field's source.
 */
public final class AccessLog implements MeshListener {
    /** The SLF4J logger the lines go to. */
    public static final String LOGGER_NAME = "io.proxyless.mesh.accesslog";

    private static final DateTimeFormatter START_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final JsonFactory JSON = new JsonFactory();
    // Envoy writes these command operators as JSON numbers.
    private static final Set<String> NUMBERS = Set.of("response_code", "bytes_received", "bytes_sent", "duration");
    // The request headers a line carries, declared so that adapters make their keys once per snapshot.
    private static final Set<String> REQUEST_HEADER_NAMES = Set.of("x-forwarded-for", "user-agent", "x-request-id");

    /** How a line is written. */
    public enum Format {
        /** Istio's default text format. */
        TEXT,
        /** One JSON object per line, with the keys of Istio's JSON access log. */
        JSON
    }

    private final Format format;
    private final Consumer<String> sink;
    private final Logger logger;

    private AccessLog(Format format, Logger logger, Consumer<String> sink) {
        this.format = Objects.requireNonNull(format, "format");
        this.logger = logger;
        this.sink = sink;
    }

    /** Lines in Istio's default text format to the {@value #LOGGER_NAME} logger. */
    public static AccessLog text() {
        Logger logger = LoggerFactory.getLogger(LOGGER_NAME);
        return new AccessLog(Format.TEXT, logger, logger::info);
    }

    /** JSON lines to the {@value #LOGGER_NAME} logger. */
    public static AccessLog json() {
        Logger logger = LoggerFactory.getLogger(LOGGER_NAME);
        return new AccessLog(Format.JSON, logger, logger::info);
    }

    /** Lines in {@code format} handed to {@code sink} (a file writer, a test, another logging system). */
    public static AccessLog to(Format format, Consumer<String> sink) {
        return new AccessLog(format, null, Objects.requireNonNull(sink, "sink"));
    }

    /** The request headers a line carries: {@code x-forwarded-for}, {@code user-agent}, {@code x-request-id}. */
    @Override
    public Set<String> requestHeaderNames() {
        return REQUEST_HEADER_NAMES;
    }

    @Override
    public void callFinished(CallView call) {
        if (logger != null && !logger.isInfoEnabled()) {
            return; // switched off in the logging config: build nothing
        }
        sink.accept(line(call));
    }

    /** The line for {@code call}, which has ended. */
    String line(CallView call) {
        Map<String, String> fields = fields(call);
        return format == Format.JSON ? json(fields) : text(fields);
    }

    /** Istio's JSON keys, in the order of its default format, with the values the client knows. */
    static Map<String, String> fields(CallView call) {
        RouteRequest request = call.request();
        AttemptView last = call.lastAttempt();
        Map<String, String> f = new LinkedHashMap<>();
        f.put("start_time", START_TIME.format(Instant.ofEpochMilli(call.startMillis())));
        f.put("method", request.method());
        f.put("path", request.query() == null ? request.path() : request.path() + "?" + request.query());
        f.put("protocol", "grpc".equals(call.protocol()) ? "HTTP/2" : "HTTP/1.1");
        f.put("response_code", Integer.toString(Math.max(0, call.responseCode())));
        f.put("response_flags", ResponseFlag.format(call.responseFlags()));
        f.put("response_code_details", details(call, last));
        f.put("connection_termination_details", null);
        f.put("upstream_transport_failure_reason", null);
        f.put("bytes_received", Long.toString(Math.max(0, call.requestBytes())));
        f.put("bytes_sent", Long.toString(Math.max(0, call.responseBytes())));
        f.put("duration", Long.toString(TimeUnit.NANOSECONDS.toMillis(Math.max(0, call.durationNanos()))));
        f.put("upstream_service_time", null);
        // The names REQUEST_HEADER_NAMES declares.
        f.put("x_forwarded_for", request.headers().get("x-forwarded-for"));
        f.put("user_agent", request.headers().get("user-agent"));
        f.put("request_id", request.headers().get("x-request-id"));
        f.put("authority", request.authority());
        f.put("upstream_host", last == null || last.endpoint() == null ? null : last.endpoint().authority());
        f.put("upstream_cluster", call.clusterKey());
        f.put("upstream_local_address", null);
        f.put("downstream_local_address", null);
        f.put("downstream_remote_address", request.sourceIp());
        f.put("requested_server_name", null);
        f.put("route_name", routeName(call.decision()));
        return f;
    }

    /**
     * Envoy's {@code %RESPONSE_CODE_DETAILS%} for how the engine ended {@code call} ({@code via_upstream},
     * {@code route_not_found}, {@code upstream_per_try_timeout}, …), or null while it runs.
     */
    public static String responseCodeDetails(CallView call) {
        return details(call, call.lastAttempt());
    }

    private static String details(CallView call, AttemptView last) {
        int flags = call.responseFlags();
        return switch (call.end()) {
            case COMPLETED -> "via_upstream";
            case ATTEMPT_FAILED -> {
                AttemptOutcome outcome = last == null ? null : last.outcome();
                if (outcome == null || call.responseCode() > 0 && !outcome.isConnectFailureOrReset()) {
                    yield "via_upstream";
                }
                yield outcome.kind() == AttemptOutcome.Kind.CONNECT_FAILURE
                        ? "upstream_reset_before_response_started{connection_failure}"
                        : "upstream_reset_before_response_started{connection_termination}";
            }
            case LOCAL_REPLY -> ResponseFlag.NR.in(flags) ? "route_not_found"
                    : ResponseFlag.NC.in(flags) ? "cluster_not_found"
                    : ResponseFlag.UH.in(flags) ? "no_healthy_upstream"
                    : "direct_response";
            case FAULT_ABORT -> "fault_filter_abort";
            case DEADLINE -> "response_timeout";
            case PER_TRY_TIMEOUT -> "upstream_per_try_timeout";
            case OVERFLOW -> "upstream_reset_before_response_started{overflow}";
            case NO_HEALTHY_UPSTREAM -> "no_healthy_upstream";
            case LOCAL_FAILURE -> "upstream_reset_before_response_started{local_reset}";
            case CANCELLED -> "downstream_remote_disconnect";
            case NONE -> null;
        };
    }

    /** The HTTP route's {@code name}, or {@code default} as Istio names the route of a host without one. */
    private static String routeName(RouteDecision decision) {
        if (decision == null || decision.route() == null) {
            return "default";
        }
        String name = decision.route().name();
        return name == null || name.isEmpty() ? null : name;
    }

    private static String text(Map<String, String> f) {
        StringBuilder b = new StringBuilder(256);
        b.append('[').append(f.get("start_time")).append("] \"").append(f.get("method")).append(' ')
                .append(dash(f.get("path"))).append(' ').append(f.get("protocol")).append("\" ")
                .append(f.get("response_code")).append(' ').append(f.get("response_flags")).append(' ')
                .append(dash(f.get("response_code_details"))).append(' ')
                .append(dash(f.get("connection_termination_details"))).append(" \"")
                .append(dash(f.get("upstream_transport_failure_reason"))).append("\" ")
                .append(f.get("bytes_received")).append(' ').append(f.get("bytes_sent")).append(' ')
                .append(f.get("duration")).append(' ').append(dash(f.get("upstream_service_time"))).append(" \"")
                .append(dash(f.get("x_forwarded_for"))).append("\" \"").append(dash(f.get("user_agent")))
                .append("\" \"").append(dash(f.get("request_id"))).append("\" \"").append(dash(f.get("authority")))
                .append("\" \"").append(dash(f.get("upstream_host"))).append("\" ")
                .append(dash(f.get("upstream_cluster"))).append(' ').append(dash(f.get("upstream_local_address")))
                .append(' ').append(dash(f.get("downstream_local_address"))).append(' ')
                .append(dash(f.get("downstream_remote_address"))).append(' ')
                .append(dash(f.get("requested_server_name"))).append(' ').append(dash(f.get("route_name")));
        return b.toString();
    }

    private static String dash(String value) {
        return value == null || value.isEmpty() ? "-" : value;
    }

    /** Istio's JSON log: unknown values are JSON null, as Envoy writes an empty command operator. */
    private static String json(Map<String, String> f) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, String> e : f.entrySet()) {
                if (NUMBERS.contains(e.getKey())) {
                    g.writeNumberField(e.getKey(), Long.parseLong(e.getValue()));
                } else {
                    g.writeStringField(e.getKey(), e.getValue());
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }
}
