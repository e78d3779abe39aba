package io.proxyless.mesh.grpc;

import io.grpc.Metadata;
import io.proxyless.mesh.runtime.RequestHeaders;
import java.util.Base64;
import java.util.Iterator;

/**
 * gRPC request metadata as the engine's {@link RequestHeaders}, read in place (no copy). Besides the metadata it
 * answers the HTTP/2 pseudo-headers and the fixed gRPC headers Envoy would see on the wire ({@code :path},
 * {@code :authority}, {@code :method}, {@code :scheme}, {@code content-type}, {@code te}), so a VirtualService
 * written against those matches here too. Binary ({@code -bin}) values are given base64-encoded, as they travel.
 * The metadata keys come from the call's {@link MetadataKeys}, made once per config snapshot.
 */
final class MetadataHeaders implements RequestHeaders {
    private final Metadata metadata;
    private final MetadataKeys keys;
    private final String path;
    private final String authority;
    private final String scheme;

    MetadataHeaders(Metadata metadata, MetadataKeys keys, String path, String authority, String scheme) {
        this.metadata = metadata;
        this.keys = keys;
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
        Metadata.Key<?> key = keys.key(lowerCaseName);
        if (key == MetadataKeys.ILLEGAL) {
            return null;
        }
        // Two calls with a constant each, not one call with a variable: with the variable, a read allocated 24
        // bytes more (thread-allocated bytes over a million reads of one ASCII header: 72 against 48).
        return lowerCaseName.endsWith(Metadata.BINARY_HEADER_SUFFIX) ? join(metadata.getAll(key), true)
                : join(metadata.getAll(key), false);
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
}
