package io.proxyless.mesh.api.validation;

import java.util.Locale;

/**
 * The port protocols Istio recognises in {@code Port.protocol} (ServiceEntry, Gateway, Sidecar), parsed the way
 * Istio does: case-insensitively, anything else being {@link #UNSUPPORTED}. An empty protocol means "sniff" and
 * is not a member; callers treat it separately.
 */
enum PortProtocol {
    TCP, UDP, GRPC, GRPC_WEB, HTTP, HTTP_PROXY, HTTP2, HTTPS, TLS, MONGO, REDIS, MYSQL, UNSUPPORTED;

    static PortProtocol parse(String name) {
        if (name == null) {
            return UNSUPPORTED;
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tcp" -> TCP;
            case "udp" -> UDP;
            case "grpc" -> GRPC;
            case "grpc-web" -> GRPC_WEB;
            case "http" -> HTTP;
            case "http_proxy" -> HTTP_PROXY;
            case "http2" -> HTTP2;
            case "https" -> HTTPS;
            case "tls" -> TLS;
            case "mongo" -> MONGO;
            case "redis" -> REDIS;
            case "mysql" -> MYSQL;
            default -> UNSUPPORTED;
        };
    }

    /** Plain-text HTTP flavours: the proxy sees requests, so routing by host/path works. */
    boolean isHttp() {
        return this == HTTP || this == HTTP2 || this == HTTP_PROXY || this == GRPC || this == GRPC_WEB;
    }

    /** Protocols carried over TCP that the proxy treats as opaque streams. */
    boolean isTcp() {
        return this == TCP || this == HTTPS || this == TLS || this == MONGO || this == REDIS || this == MYSQL;
    }

    /** TLS on the wire, with SNI available to tell hosts apart. */
    boolean isTls() {
        return this == HTTPS || this == TLS;
    }
}
