package io.proxyless.mesh.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Normalises collection components of the model records: never null, never mutable, order kept. Records call
 * these from their compact constructors so that "unset" and "empty" compare equal, as they do in protobuf.
 */
public final class Immutables {
    private Immutables() {
    }

    public static <T> List<T> list(List<T> list) {
        return list == null || list.isEmpty() ? List.of() : List.copyOf(list);
    }

    public static <K, V> Map<K, V> map(Map<K, V> map) {
        if (map == null || map.isEmpty()) {
            return Map.of();
        }
        // LinkedHashMap keeps the author's order, which matters for header operations and for dumps.
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
