package io.proxyless.mesh.runtime.model;

import java.util.List;
import java.util.Objects;

/**
 * Header changes in Envoy's order: removals first, then the headers that overwrite, then the ones that are
 * appended. istiod sorts each list by name; pseudo-headers and {@code host} are not changed as headers (an
 * authority change is a {@link RouteAction#hostRewrite()}).
 *
 * @param remove header names to remove
 * @param set    headers to overwrite or add
 * @param append headers to append (added even if present)
 */
public record HeaderMutation(List<String> remove, List<Header> set, List<Header> append) {

    /** Changes nothing. */
    public static final HeaderMutation NONE = new HeaderMutation(List.of(), List.of(), List.of());

    /** One header name and value. */
    public record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    public HeaderMutation {
        remove = List.copyOf(remove);
        set = List.copyOf(set);
        append = List.copyOf(append);
    }

    public static HeaderMutation of(List<String> remove, List<Header> set, List<Header> append) {
        return new HeaderMutation(remove, set, append);
    }

    public boolean isEmpty() {
        return remove.isEmpty() && set.isEmpty() && append.isEmpty();
    }
}
