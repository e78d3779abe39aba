package io.proxyless.mesh.jdkhttp;

import io.proxyless.mesh.runtime.call.DirectResponses;
import io.proxyless.mesh.runtime.call.FaultDecision;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import javax.net.ssl.SSLSession;

/**
 * Responses the mesh answers itself, as the sidecar would — redirects, direct responses, fault aborts — delivered
 * through the application's own {@code BodyHandler}, so it reads them like any response.
 */
final class LocalReplies {
    private LocalReplies() {
    }

    static TreeMap<String, List<String>> headers() {
        return new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    }

    static void put(Map<String, List<String>> headers, String name, String value) {
        headers.put(name, new ArrayList<>(List.of(value)));
    }

    static <T> CompletableFuture<HttpResponse<T>> redirect(HttpRequest request, int status, String location,
                                                           BodyHandler<T> handler) {
        TreeMap<String, List<String>> h = headers();
        put(h, "location", location);
        put(h, "content-length", "0");
        return reply(request, status, h, new byte[0], handler);
    }

    /** A direct response; {@code headers} may already hold the route's response header operations. */
    static <T> CompletableFuture<HttpResponse<T>> direct(HttpRequest request, int status, byte[] body,
                                                         Map<String, List<String>> headers, BodyHandler<T> handler) {
        headers.putIfAbsent("content-length", new ArrayList<>(List.of(Integer.toString(body.length))));
        if (body.length > 0) {
            headers.putIfAbsent("content-type", new ArrayList<>(List.of(DirectResponses.CONTENT_TYPE)));
        }
        return reply(request, status, headers, body, handler);
    }

    /** Envoy's fault abort: the status with body "fault filter abort"; a gRPC abort is a trailers-only 200. */
    static <T> CompletableFuture<HttpResponse<T>> fault(HttpRequest request, FaultDecision fault,
                                                        BodyHandler<T> handler) {
        TreeMap<String, List<String>> h = headers();
        if (fault.httpStatus() != null) {
            byte[] body = "fault filter abort".getBytes(StandardCharsets.US_ASCII);
            put(h, "content-type", "text/plain");
            put(h, "content-length", Integer.toString(body.length));
            return reply(request, fault.httpStatus(), h, body, handler);
        }
        put(h, "content-type", "application/grpc");
        put(h, "grpc-status", Integer.toString(Math.max(0, fault.grpcCode())));
        put(h, "grpc-message", "fault filter abort");
        return reply(request, 200, h, new byte[0], handler);
    }

    static <T> CompletableFuture<HttpResponse<T>> reply(HttpRequest request, int status,
                                                        Map<String, List<String>> headerMap, byte[] body,
                                                        BodyHandler<T> handler) {
        HttpHeaders headers = JdkRequests.headers(headerMap);
        BodySubscriber<T> subscriber = handler.apply(new MeshResponse.Info(status, headers,
                HttpClient.Version.HTTP_1_1));
        subscriber.onSubscribe(new Flow.Subscription() {
            private boolean done;

            @Override
            public void request(long n) {
                if (done || n <= 0) {
                    return;
                }
                done = true;
                if (body.length > 0) {
                    subscriber.onNext(List.of(ByteBuffer.wrap(body)));
                }
                subscriber.onComplete();
            }

            @Override
            public void cancel() {
                done = true;
            }
        });
        return subscriber.getBody().toCompletableFuture()
                .thenApply(value -> new Local<>(status, request, headers, value));
    }

    /** A response that never left the client. */
    private record Local<T>(int statusCode, HttpRequest request, HttpHeaders headers, T body)
            implements HttpResponse<T> {
        @Override
        public Optional<HttpResponse<T>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public URI uri() {
            return request.uri();
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
