package io.proxyless.mesh.runtime;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Read access to a request's headers (HTTP headers or gRPC metadata) without copying them: adapters wrap their
 * own header objects. Names are looked up case-insensitively, as HTTP and Envoy treat them.
 *
 * <pre>{@code
 * RequestHeaders headers = RequestHeaders.of(Map.of("end-user", "jason"));
 * }</pre>
 */
@FunctionalInterface
public interface RequestHeaders {
    RequestHeaders NONE = name -> null;

    /**
     * The value of header {@code lowerCaseName}, or null when absent. With several values, they are joined
     * with {@code ","} as Envoy does before matching.
     */
    String get(String lowerCaseName);

    /** Headers from a map (names compared case-insensitively). */
    static RequestHeaders of(Map<String, String> headers) {
        if (headers.isEmpty()) {
            return NONE;
        }
        TreeMap<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> copy.merge(k.toLowerCase(Locale.ROOT), v, (a, b) -> a + "," + b));
        return copy::get;
    }
}
