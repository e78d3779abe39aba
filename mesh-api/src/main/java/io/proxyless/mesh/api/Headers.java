package io.proxyless.mesh.api;

import java.util.List;
import java.util.Map;

/**
 * Istio {@code Headers}: header changes made to the request before it is sent and to the response before the
 * application sees it.
 *
 * <pre>{@code
 * Headers h = Headers.request(HeaderOperations.set(Map.of("x-canary", "true")));
 * }</pre>
 *
 * @param request  operations on the outgoing request
 * @param response operations on the incoming response
 */
public record Headers(HeaderOperations request, HeaderOperations response) {

    public static Headers request(HeaderOperations request) {
        return new Headers(request, null);
    }

    public static Headers response(HeaderOperations response) {
        return new Headers(null, response);
    }

    /**
     * Istio {@code Headers.HeaderOperations}: what to do with headers. Maps keep the order they were written in.
     *
     * @param set    headers to overwrite (replacing any existing value)
     * @param add    headers to append (keeping existing values)
     * @param remove header names to remove
     */
    public record HeaderOperations(Map<String, String> set, Map<String, String> add, List<String> remove) {
        public HeaderOperations {
            set = Immutables.map(set);
            add = Immutables.map(add);
            remove = Immutables.list(remove);
        }

        public static HeaderOperations set(Map<String, String> set) {
            return new HeaderOperations(set, Map.of(), List.of());
        }

        public static HeaderOperations add(Map<String, String> add) {
            return new HeaderOperations(Map.of(), add, List.of());
        }

        public static HeaderOperations remove(List<String> remove) {
            return new HeaderOperations(Map.of(), Map.of(), remove);
        }
    }
}
