package io.proxyless.mesh.xds;

import io.proxyless.mesh.runtime.model.RouteConfiguration;
import java.util.HashMap;
import java.util.Map;

/**
 * The route configurations an xDS source has parsed for its model, kept from one assembly to the next: a route
 * configuration is parsed per listener that names it (with that listener's filters), and an update to any other
 * resource (one cluster's endpoints, say) assembles the model again; the RDS resource it holds is still the same
 * message then, so its parse is taken as it was. Only the entries the last assembly used are kept.
 *
 * <p>Not thread-safe: the source's executor is its only user.
 */
final class RouteParses {
    private Map<Key, Parsed<RouteConfiguration>> before = Map.of();
    private Map<Key, Parsed<RouteConfiguration>> used = new HashMap<>();

    /** The message (by identity: the client holds one per received version), the port and the filters. */
    private record Key(io.envoyproxy.envoy.config.route.v3.RouteConfiguration raw, int port, ParseContext context) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.raw == raw && k.port == port && k.context.equals(context);
        }

        @Override
        public int hashCode() {
            return (System.identityHashCode(raw) * 31 + port) * 31 + context.hashCode();
        }
    }

    /** Parses fresh every time (no memory between assemblies). */
    static RouteParses none() {
        return new RouteParses();
    }

    Parsed<RouteConfiguration> parse(io.envoyproxy.envoy.config.route.v3.RouteConfiguration raw, int port,
                                     ParseContext context) {
        Key key = new Key(raw, port, context);
        Parsed<RouteConfiguration> parsed = used.get(key);
        if (parsed == null) {
            parsed = before.get(key);
        }
        if (parsed == null) {
            parsed = XdsRouteResource.parse(raw, port, context);
        }
        used.put(key, parsed);
        return parsed;
    }

    /** Ends one assembly: what it did not use is forgotten. */
    void assembled() {
        before = used;
        used = new HashMap<>();
    }
}
