package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.routing.HeaderOps;
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
 * Envoy's {@code %VARIABLE%} value formatters are not interpreted: values are sent as written. The operations
 * were compiled with the snapshot ({@link HeaderOps}); nothing is sorted or filtered per request.
 *
 * <pre>{@code
 * HeaderMutations.applyRequest(decision, sink);
 * String authority = HeaderMutations.authority(decision); // null: keep the request's
 * }</pre>
 */
public final class HeaderMutations {

    private HeaderMutations() {
    }

    /** Applies one set of operations: removals, then sets, then adds. */
    public static void apply(HeaderOps operations, HeaderSink sink) {
        removeAll(operations, sink);
        addAll(operations, sink);
    }

    /** Applies the request operations of the decision's route and destination, in Envoy's order. */
    public static void applyRequest(RouteDecision decision, HeaderSink sink) {
        applyBoth(decision.route() == null ? HeaderOps.NONE : decision.route().requestHeaderOps(),
                decision.destination() == null ? HeaderOps.NONE : decision.destination().requestHeaderOps(),
                singleDestination(decision), sink);
    }

    /** Applies the response operations of the decision's route and destination, in Envoy's order. */
    public static void applyResponse(RouteDecision decision, HeaderSink sink) {
        applyBoth(decision.route() == null ? HeaderOps.NONE : decision.route().responseHeaderOps(),
                decision.destination() == null ? HeaderOps.NONE : decision.destination().responseHeaderOps(),
                singleDestination(decision), sink);
    }

    /** Whether {@link #applyRequest} changes anything, so that an adapter copies no headers when it would not. */
    public static boolean changesRequest(RouteDecision decision) {
        return !(decision.route() == null || decision.route().requestHeaderOps().changesNoHeader())
                || !(decision.destination() == null || decision.destination().requestHeaderOps().changesNoHeader());
    }

    /** Whether {@link #applyResponse} changes anything. */
    public static boolean changesResponse(RouteDecision decision) {
        return !(decision.route() == null || decision.route().responseHeaderOps().changesNoHeader())
                || !(decision.destination() == null || decision.destination().responseHeaderOps().changesNoHeader());
    }

    /**
     * The authority the request must carry upstream, or null to keep the request's own: {@code rewrite.authority},
     * else a {@code :authority}/{@code host} header operation of the route, else of the destination.
     */
    public static String authority(RouteDecision decision) {
        if (decision.route() != null && decision.route().hostRewrite() != null) {
            return decision.route().hostRewrite();
        }
        if (decision.route() != null && decision.route().requestHeaderOps().authority() != null) {
            return decision.route().requestHeaderOps().authority();
        }
        return decision.destination() == null ? null : decision.destination().requestHeaderOps().authority();
    }

    private static boolean singleDestination(RouteDecision decision) {
        return decision.route() == null || decision.route().destinations().size() <= 1;
    }

    private static void applyBoth(HeaderOps r, HeaderOps d, boolean single, HeaderSink sink) {
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

    private static void removeAll(HeaderOps c, HeaderSink sink) {
        for (int i = 0; i < c.remove().size(); i++) {
            sink.remove(c.remove().get(i));
        }
    }

    private static void addAll(HeaderOps c, HeaderSink sink) {
        for (int i = 0; i < c.set().size(); i++) {
            Map.Entry<String, String> e = c.set().get(i);
            sink.set(e.getKey(), e.getValue());
        }
        for (int i = 0; i < c.add().size(); i++) {
            Map.Entry<String, String> e = c.add().get(i);
            sink.add(e.getKey(), e.getValue());
        }
    }
}
