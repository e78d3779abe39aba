package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.call.FaultDecision;
import java.nio.charset.StandardCharsets;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/** Responses the mesh answers itself, as the sidecar would: redirects, direct responses, fault aborts. */
final class LocalReplies {
    private static final MediaType TEXT = MediaType.get("text/plain");
    private static final MediaType GRPC = MediaType.get("application/grpc");

    private LocalReplies() {
    }

    static Response.Builder base(Request request, int status) {
        long now = System.currentTimeMillis();
        return new Response.Builder()
                .request(request)
                .protocol(Protocol.HTTP_1_1)
                .code(status)
                .message(reason(status))
                .sentRequestAtMillis(now)
                .receivedResponseAtMillis(now);
    }

    static Response redirect(Request request, int status, String location) {
        return base(request, status).header("Location", location).header("Content-Length", "0")
                .body(ResponseBody.create(new byte[0], null)).build();
    }

    static Response.Builder direct(Request request, int status, byte[] body) {
        Response.Builder b = base(request, status).header("Content-Length", Integer.toString(body.length));
        if (body.length > 0) {
            b.header("Content-Type", TEXT.toString());
        }
        return b.body(ResponseBody.create(body, body.length == 0 ? null : TEXT));
    }

    /** Envoy's fault abort: the status with body "fault filter abort"; a gRPC abort is a trailers-only 200. */
    static Response fault(Request request, FaultDecision fault) {
        byte[] body = "fault filter abort".getBytes(StandardCharsets.US_ASCII);
        if (fault.httpStatus() != null) {
            return base(request, fault.httpStatus()).header("Content-Type", TEXT.toString())
                    .header("Content-Length", Integer.toString(body.length))
                    .body(ResponseBody.create(body, TEXT)).build();
        }
        return base(request, 200)
                .header("Content-Type", GRPC.toString())
                .header("grpc-status", Integer.toString(Math.max(0, fault.grpcCode())))
                .header("grpc-message", "fault filter abort")
                .body(ResponseBody.create(new byte[0], GRPC))
                .build();
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "";
        };
    }
}
