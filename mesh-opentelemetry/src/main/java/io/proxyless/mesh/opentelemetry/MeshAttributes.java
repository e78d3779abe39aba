package io.proxyless.mesh.opentelemetry;

import io.opentelemetry.api.common.AttributeKey;
import java.util.List;

/**
 * The span attributes {@link MeshTracing} writes: OpenTelemetry's semantic-convention names where one exists
 * ({@code http.request.method}, {@code server.address}, …), and {@code mesh.*} for what only the mesh knows (the
 * route, cluster, subset and endpoint it chose, Envoy's response flags, retries). A table of where each value
 * comes from is in {@code docs/telemetry.md}.
 */
public final class MeshAttributes {
    private MeshAttributes() {
    }

    // ---- OpenTelemetry semantic conventions (HTTP and RPC client spans) ----

    /** {@code GET}, {@code POST}, … ({@code POST} for gRPC). */
    public static final AttributeKey<String> HTTP_REQUEST_METHOD = AttributeKey.stringKey("http.request.method");
    /** The status the caller got (call span) or the attempt's response status (attempt span). */
    public static final AttributeKey<Long> HTTP_RESPONSE_STATUS_CODE =
            AttributeKey.longKey("http.response.status_code");
    /** On an attempt span: how many times the call's request was sent before (0 for the first attempt). */
    public static final AttributeKey<Long> HTTP_REQUEST_RESEND_COUNT =
            AttributeKey.longKey("http.request.resend_count");
    /** The request's {@code x-request-id}: the application's, or the one the mesh generated. */
    public static final AttributeKey<List<String>> HTTP_REQUEST_HEADER_X_REQUEST_ID =
            AttributeKey.stringArrayKey("http.request.header.x-request-id");
    /** The URL as the application called it (the logical host, before rewrites). */
    public static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
    /** The host the application called ({@code reviews}), not the endpoint's address. */
    public static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    public static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    /** On an attempt span: the endpoint's address and port. */
    public static final AttributeKey<String> NETWORK_PEER_ADDRESS = AttributeKey.stringKey("network.peer.address");
    public static final AttributeKey<Long> NETWORK_PEER_PORT = AttributeKey.longKey("network.peer.port");
    /** The status code as a string, or how the call failed without one ({@code overflow}, {@code deadline}, …). */
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    /** {@code grpc} for gRPC calls. */
    public static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
    public static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
    public static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
    public static final AttributeKey<Long> RPC_GRPC_STATUS_CODE = AttributeKey.longKey("rpc.grpc.status_code");

    // ---- what the mesh did ----

    /** The HTTP route's {@code name}; {@code default} when no VirtualService routed the call. */
    public static final AttributeKey<String> ROUTE = AttributeKey.stringKey("mesh.route");
    /** {@code namespace/name} of the VirtualService that routed the call. */
    public static final AttributeKey<String> VIRTUAL_SERVICE = AttributeKey.stringKey("mesh.virtual_service");
    /** Istio's cluster name, {@code outbound|9080|v1|reviews.default.svc.cluster.local}. */
    public static final AttributeKey<String> CLUSTER = AttributeKey.stringKey("mesh.cluster");
    /** The destination's FQDN ({@code reviews.default.svc.cluster.local}). */
    public static final AttributeKey<String> DESTINATION_SERVICE = AttributeKey.stringKey("mesh.destination.service");
    /** The DestinationRule subset of the destination, when it has one. */
    public static final AttributeKey<String> SUBSET = AttributeKey.stringKey("mesh.subset");
    /** The endpoint an attempt went to ({@code 10.0.0.7:9080}); on the call span, the last attempt's. */
    public static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("mesh.endpoint");
    /** The endpoint's {@code version} label, when it has one (Istio's {@code destination_version}). */
    public static final AttributeKey<String> ENDPOINT_VERSION = AttributeKey.stringKey("mesh.endpoint.version");
    /** Envoy's response flags ({@code -}, {@code UF}, {@code UO}, {@code URX}, {@code UT}, …). */
    public static final AttributeKey<String> RESPONSE_FLAGS = AttributeKey.stringKey("mesh.response_flags");
    /** Envoy's response code details ({@code via_upstream}, {@code upstream_per_try_timeout}, …). */
    public static final AttributeKey<String> RESPONSE_CODE_DETAILS =
            AttributeKey.stringKey("mesh.response_code_details");
    /** On the call span: retries made (attempts − 1). */
    public static final AttributeKey<Long> RETRY_COUNT = AttributeKey.longKey("mesh.retry_count");
    /** On an attempt span: 1 for the first attempt, 2 for the first retry, … */
    public static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("mesh.attempt");
    /** On a call span's {@code mesh.retry} event: the backoff before the retry, in milliseconds. */
    public static final AttributeKey<Long> BACKOFF_MS = AttributeKey.longKey("mesh.backoff_ms");
    /** On an attempt span: what outlier detection was told ({@code 503}, {@code connect-failure}, …). */
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("mesh.outcome");
}
