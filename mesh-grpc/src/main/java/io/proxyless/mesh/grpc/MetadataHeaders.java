package io.proxyless.mesh.grpc;

import io.grpc.Metadata;
import io.proxyless.mesh.runtime.RequestHeaders;
import java.util.Base64;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * gRPC request metadata as the engine's {@link RequestHeaders}, read in place (no copy). Besides the metadata it
 * answers the HTTP/2 pseudo-headers and the fixed gRPC headers Envoy would see on the wire ({@code :path},
 * {@code :authority}, {@code :method}, {@code :scheme}, {@code content-type}, {@code te}), so a VirtualService
 * written against those matches here too. Binary ({@code -bin}) values are given base64-encoded, as they travel.
 */
final class MetadataHeaders implements RequestHeaders {
    // Header names come from config (a small, fixed set), so the key caches stay small.
    private static final ConcurrentHashMap<String, Metadata.Key<String>> ASCII_KEYS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, Metadata.Key<byte[]>> BINARY_KEYS = new ConcurrentHashMap<>();
    private static final Metadata.Key<String> INVALID = Metadata.Key.of("x-invalid", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<byte[]> INVALID_BIN = Metadata.Key.of("x-invalid-bin",
            Metadata.BINARY_BYTE_MARSHALLER);

    private final Metadata metadata;
    private final String path;
    private final String authority;
    private final String scheme;

    MetadataHeaders(Metadata metadata, String path, String authority, String scheme) {
        this.metadata = metadata;
        this.path = path;
        this.authority = authority;
        this.scheme = scheme;
    }

    @Override
    public String get(String lowerCaseName) {
        if (lowerCaseName.isEmpty()) {
            return null;
        }
        switch (lowerCaseName) {
            case ":path":
                return path;
            case ":authority":
            case "host":
                return authority;
            case ":method":
                return "POST";
            case ":scheme":
                return scheme;
            case "content-type":
                return "application/grpc";
            case "te":
                return "trailers";
            default:
                break;
        }
        if (lowerCaseName.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
            Metadata.Key<byte[]> key = BINARY_KEYS.computeIfAbsent(lowerCaseName, MetadataHeaders::binaryKey);
            return key == INVALID_BIN ? null : join(metadata.getAll(key), true);
        }
        Metadata.Key<String> key = ASCII_KEYS.computeIfAbsent(lowerCaseName, MetadataHeaders::asciiKey);
        return key == INVALID ? null : join(metadata.getAll(key), false);
    }

    private static String join(Iterable<?> values, boolean binary) {
        if (values == null) {
            return null;
        }
        Iterator<?> it = values.iterator();
        if (!it.hasNext()) {
            return null;
        }
        String first = text(it.next(), binary);
        if (!it.hasNext()) {
            return first;
        }
        // Several values: joined with "," as Envoy does before matching.
        StringBuilder sb = new StringBuilder(first);
        while (it.hasNext()) {
            sb.append(',').append(text(it.next(), binary));
        }
        return sb.toString();
    }

    private static String text(Object value, boolean binary) {
        return binary ? Base64.getEncoder().withoutPadding().encodeToString((byte[]) value) : (String) value;
    }

    private static Metadata.Key<String> asciiKey(String name) {
        try {
            return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
        } catch (IllegalArgumentException e) {
            return INVALID; // not a legal gRPC header name: it can never be present
        }
    }

    private static Metadata.Key<byte[]> binaryKey(String name) {
        try {
            return Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER);
        } catch (IllegalArgumentException e) {
            return INVALID_BIN;
        }
    }
}
