package io.proxyless.mesh.grpc;

import io.grpc.Metadata;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The gRPC {@link Metadata.Key}s of the header names calls read on one config snapshot
 * ({@code CallEngine.requestHeaderNames}: the routes' names and those listeners and header contributors declare),
 * made once when a channel first sees the snapshot or the declared names change, so that reading a header on a
 * call is a lookup in an immutable map and nothing is kept for names no longer asked about. A name the set does
 * not hold (one a reader did not declare, or one of a newer snapshot that raced with the call's start) gets its
 * key made on the spot.
 */
final class MetadataKeys {
    static final MetadataKeys NONE = new MetadataKeys(Map.of());
    // Stands for a name that is no legal gRPC header name: such a header can never be present.
    static final Metadata.Key<String> ILLEGAL = Metadata.Key.of("x-illegal", Metadata.ASCII_STRING_MARSHALLER);

    private final Map<String, Metadata.Key<?>> keys;

    private MetadataKeys(Map<String, Metadata.Key<?>> keys) {
        this.keys = keys;
    }

    /** The keys of {@code names}: ASCII keys, binary ones for {@code -bin} names, {@link #ILLEGAL} for the rest. */
    static MetadataKeys of(Set<String> names) {
        if (names.isEmpty()) {
            return NONE;
        }
        Map<String, Metadata.Key<?>> keys = new HashMap<>();
        for (String name : names) {
            keys.put(name, make(name));
        }
        return new MetadataKeys(Map.copyOf(keys));
    }

    /** The key of header {@code name}, or {@link #ILLEGAL}. */
    Metadata.Key<?> key(String name) {
        Metadata.Key<?> key = keys.get(name);
        return key != null ? key : make(name);
    }

    /** True when this snapshot's set holds {@code name} (for tests). */
    boolean holds(String name) {
        return keys.containsKey(name);
    }

    private static Metadata.Key<?> make(String name) {
        try {
            return name.endsWith(Metadata.BINARY_HEADER_SUFFIX)
                    ? Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER)
                    : Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
        } catch (IllegalArgumentException e) {
            return ILLEGAL; // not a legal gRPC header name
        }
    }
}
