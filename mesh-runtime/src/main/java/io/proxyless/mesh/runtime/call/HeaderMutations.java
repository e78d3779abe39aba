package io.proxyless.mesh.runtime.call;

import com.google.common.cache.CacheBuilder;
import com.google.common.cache.CacheLoader;
import com.google.common.cache.LoadingCache;
import io.proxyless.mesh.api.Headers;
import io.proxyless.mesh.api.Headers.HeaderOperations;
import io.proxyless.mesh.runtime.RouteDecision;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Istio {@code headers} operations carried out on a request or response, in Envoy's order.
 *
 * <h2>What istiod generates and Envoy does</h2>
 * <ul>
 *   <li>{@code set} becomes "overwrite or add", {@code add} becomes "append or add"; each list is sorted by
 *       header name, sets before adds. Removals run before additions. An empty value is not added.</li>
 *   <li>Pseudo-headers ({@code :path} ...) and {@code host} are never set, added or removed as headers; a
 *       {@code :authority} or {@code host} in {@code set} (winning over {@code add}) rewrites the authority
 *       instead ({@link #authority}).</li>
 *   <li>Route with one destination: route and destination operations form one list (route first), so all
 *       removals of both run first, then the route's additions, then the destination's.</li>
 *   <li>Route with weighted destinations: the destination's operations run completely, then the route's.</li>
 *   <li>The authority: {@code rewrite.authority}, else the route's header authority, else the destination's.</li>
 * </ul>
 * Envoy's {@code %VARIABLE%} value formatters are not interpreted: values are sent as written.
 *
 * <pre>{@code
 * HeaderMutations.applyRequest(decision, sink);
 * String authority = HeaderMutations.authority(decision); // null: keep the request's
 * }</pre>
 */
public final class HeaderMutations {

    /** One {@link HeaderOperations}, sorted and filtered once per config object (identity-keyed, weak). */
    private record Compiled(List<String> remove, List<Map.Entry<String, String>> set,
                            List<Map.Entry<String, String>> add, String authority) {
        static final Compiled EMPTY = new Compiled(List.of(), List.of(), List.of(), null);
    }

    private static final LoadingCache<HeaderOperations, Compiled> COMPILED = CacheBuilder.newBuilder()
            .weakKeys()
            .build(CacheLoader.from(HeaderMutations::compile));

    private HeaderMutations() {
    }

    /** Applies one set of operations: removals, then sets, then adds. */
    public static void apply(HeaderOperations operations, HeaderSink sink) {
        Compiled c = compiled(operations);
        removeAll(c, sink);
        addAll(c, sink);
    }

    /** Applies the request operations of the decision's route and destination, in Envoy's order. */
    public static void applyRequest(RouteDecision decision, HeaderSink sink) {
        Headers route = decision.routeHeaders();
        Headers destination = decision.destinationHeaders();
        applyBoth(route == null ? null : route.request(), destination == null ? null : destination.request(),
                singleDestination(decision), sink);
    }

    /** Applies the response operations of the decision's route and destination, in Envoy's order. */
    public static void applyResponse(RouteDecision decision, HeaderSink sink) {
        Headers route = decision.routeHeaders();
        Headers destination = decision.destinationHeaders();
        applyBoth(route == null ? null : route.response(), destination == null ? null : destination.response(),
                singleDestination(decision), sink);
    }

    /**
     * The authority the request must carry upstream, or null to keep the request's own: {@code rewrite.authority},
     * else a {@code :authority}/{@code host} header operation of the route, else of the destination.
     */
    public static String authority(RouteDecision decision) {
        if (decision.rewrite() != null && decision.rewrite().authority() != null
                && !decision.rewrite().authority().isEmpty()) {
            return decision.rewrite().authority();
        }
        Headers route = decision.routeHeaders();
        if (route != null && route.request() != null) {
            String a = compiled(route.request()).authority();
            if (a != null) {
                return a;
            }
        }
        Headers destination = decision.destinationHeaders();
        if (destination != null && destination.request() != null) {
            return compiled(destination.request()).authority();
        }
        return null;
    }

    /** True when {@code operations} would change nothing. */
    public static boolean isEmpty(HeaderOperations operations) {
        Compiled c = compiled(operations);
        return c.remove().isEmpty() && c.set().isEmpty() && c.add().isEmpty();
    }

    private static boolean singleDestination(RouteDecision decision) {
        return decision.route() == null || decision.route().destinations().size() <= 1;
    }

    private static void applyBoth(HeaderOperations route, HeaderOperations destination, boolean single,
                                  HeaderSink sink) {
        Compiled r = compiled(route);
        Compiled d = compiled(destination);
        if (single) {
            removeAll(r, sink);
            removeAll(d, sink);
            addAll(r, sink);
            addAll(d, sink);
        } else {
            removeAll(d, sink);
            addAll(d, sink);
            removeAll(r, sink);
            addAll(r, sink);
        }
    }

    private static void removeAll(Compiled c, HeaderSink sink) {
        for (int i = 0; i < c.remove().size(); i++) {
            sink.remove(c.remove().get(i));
        }
    }

    private static void addAll(Compiled c, HeaderSink sink) {
        for (int i = 0; i < c.set().size(); i++) {
            Map.Entry<String, String> e = c.set().get(i);
            sink.set(e.getKey(), e.getValue());
        }
        for (int i = 0; i < c.add().size(); i++) {
            Map.Entry<String, String> e = c.add().get(i);
            sink.add(e.getKey(), e.getValue());
        }
    }

    private static Compiled compiled(HeaderOperations operations) {
        return operations == null ? Compiled.EMPTY : COMPILED.getUnchecked(operations);
    }

    private static Compiled compile(HeaderOperations ops) {
        List<String> remove = new ArrayList<>();
        for (String name : ops.remove()) {
            if (!isInternal(name)) {
                remove.add(name);
            }
        }
        String addAuthority = authorityOf(ops.add());
        String setAuthority = authorityOf(ops.set());
        return new Compiled(List.copyOf(remove), sorted(ops.set()), sorted(ops.add()),
                setAuthority != null ? setAuthority : addAuthority);
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
        return List.copyOf(out);
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
