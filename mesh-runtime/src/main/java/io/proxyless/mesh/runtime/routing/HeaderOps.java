package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.Headers.HeaderOperations;
import io.proxyless.mesh.runtime.model.HeaderMutation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * One Istio {@code HeaderOperations} block compiled as istiod writes it for Envoy: removals, then the headers set
 * (overwrite or add), then the ones appended, each list sorted by name; empty values dropped; pseudo-headers and
 * {@code host} never changed as headers — a {@code :authority}/{@code host} value ({@code set} winning over
 * {@code add}) becomes the authority instead. Built once per snapshot; {@code call.HeaderMutations} carries it out.
 *
 * @param remove    names to remove
 * @param set       headers to overwrite or add, sorted by name
 * @param add       headers to append, sorted by name
 * @param authority the authority to send instead of the request's, or null
 */
public record HeaderOps(List<String> remove, List<Map.Entry<String, String>> set,
                        List<Map.Entry<String, String>> add, String authority) {

    /** Changes nothing. */
    public static final HeaderOps NONE = new HeaderOps(List.of(), List.of(), List.of(), null);

    public HeaderOps {
        remove = List.copyOf(remove);
        set = List.copyOf(set);
        add = List.copyOf(add);
    }

    /** Compiles {@code ops}; null gives {@link #NONE}. */
    public static HeaderOps compile(HeaderOperations ops) {
        if (ops == null) {
            return NONE;
        }
        List<String> remove = new ArrayList<>();
        for (String name : ops.remove()) {
            if (!isInternal(name)) {
                remove.add(name);
            }
        }
        String addAuthority = authorityOf(ops.add());
        String setAuthority = authorityOf(ops.set());
        HeaderOps compiled = new HeaderOps(remove, sorted(ops.set()), sorted(ops.add()),
                setAuthority != null ? setAuthority : addAuthority);
        return compiled.equals(NONE) ? NONE : compiled;
    }

    /**
     * The route model's header changes, already in Envoy's form (istiod sorted and filtered them, or the control
     * plane sent them so), with the route's or cluster's host rewrite ({@code hostRewrite}, or null) as the
     * authority.
     */
    public static HeaderOps of(HeaderMutation mutation, String hostRewrite) {
        if ((mutation == null || mutation.isEmpty()) && hostRewrite == null) {
            return NONE;
        }
        if (mutation == null) {
            return new HeaderOps(List.of(), List.of(), List.of(), hostRewrite);
        }
        return new HeaderOps(mutation.remove(),
                mutation.set().stream().map(h -> Map.entry(h.name(), h.value())).toList(),
                mutation.append().stream().map(h -> Map.entry(h.name(), h.value())).toList(), hostRewrite);
    }

    /** True when no header changes (an authority change may still be there). */
    public boolean changesNoHeader() {
        return remove.isEmpty() && set.isEmpty() && add.isEmpty();
    }

    private static List<Map.Entry<String, String>> sorted(Map<String, String> headers) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        headers.forEach((name, value) -> {
            // Envoy skips empty values rather than sending an empty header.
            if (!isInternal(name) && value != null && !value.isEmpty()) {
                out.add(Map.entry(name, value));
            }
        });
        out.sort(Map.Entry.comparingByKey(Comparator.naturalOrder()));
        return out;
    }

    private static String authorityOf(Map<String, String> headers) {
        String authority = null;
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(":authority") || e.getKey().equalsIgnoreCase("host")) {
                authority = e.getValue();
            }
        }
        return authority == null || authority.isEmpty() ? null : authority;
    }

    /** Pseudo-headers and {@code host} cannot be changed as plain headers (Istio drops them). */
    private static boolean isInternal(String name) {
        return name.startsWith(":") || name.equalsIgnoreCase("host");
    }
}
