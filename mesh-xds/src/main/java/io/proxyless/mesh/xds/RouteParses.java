package io.proxyless.mesh.xds;

import io.proxyless.mesh.runtime.model.RouteConfiguration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The route configurations an xDS source has parsed for its model, kept from one assembly to the next: a route
 * configuration is parsed per listener that names it (with that listener's filters), and an update to any other
 * resource (one cluster's endpoints, say) assembles the model again; the RDS resource it holds is still the same
 * message then, so its parse is taken as it was. Only the entries the last assembly used are kept.
 *
 * <p>A route configuration sent again (istiod sends a port's whole route configuration when one service's routes
 * change) translates only the virtual hosts that differ from its previous version's: the one before's virtual host
 * messages are kept with their translations (per route configuration name and parse context, that version alone),
 * and a message equal to one of them (protobuf's value equality: the one at its position first, by hash only when
 * that one differs) gets the same translated object and findings again. The runtime's incremental compile takes a virtual host it is handed again, by
 * identity, as it was compiled.
 *
 * <p>Not thread-safe: the source's executor is its only user.
 */
final class RouteParses {
    private Map<Key, Parsed<RouteConfiguration>> before = Map.of();
    private Map<Key, Parsed<RouteConfiguration>> used = new HashMap<>();
    private final Map<VirtualHostsKey, VirtualHosts> virtualHosts = new HashMap<>();
    private ParseContext acceptContext;
    // The last version accepted, by identity, and its parse: an assembly with the same context takes its virtual
    // hosts as they are (only the port differs).
    private io.envoyproxy.envoy.config.route.v3.RouteConfiguration acceptedRaw;
    private Parsed<RouteConfiguration> accepted;

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

    /** Whose virtual hosts of the last version parsed are kept: a route configuration's name under a context. */
    private record VirtualHostsKey(String name, ParseContext context) {
    }

    /**
     * One version's virtual host messages and their translations, by position. istiod keeps a route
     * configuration's virtual hosts in a stable order, so the message at the same position is compared first
     * (no hash of a new message to compute); by value only when that one differs (a service added or removed).
     */
    private static final class VirtualHosts {
        private final List<io.envoyproxy.envoy.config.route.v3.VirtualHost> messages;
        private final List<XdsRouteResource.ParsedVirtualHost> parses;
        private Map<io.envoyproxy.envoy.config.route.v3.VirtualHost, XdsRouteResource.ParsedVirtualHost> byValue;

        VirtualHosts(List<io.envoyproxy.envoy.config.route.v3.VirtualHost> messages,
                     List<XdsRouteResource.ParsedVirtualHost> parses) {
            this.messages = messages;
            this.parses = parses;
        }

        static final VirtualHosts NONE = new VirtualHosts(List.of(), List.of());

        XdsRouteResource.ParsedVirtualHost find(int index, io.envoyproxy.envoy.config.route.v3.VirtualHost vh) {
            if (index < messages.size() && messages.get(index).equals(vh)) {
                return parses.get(index);
            }
            if (messages.isEmpty()) {
                return null;
            }
            if (byValue == null) {
                byValue = new HashMap<>(messages.size() * 4 / 3 + 1);
                for (int i = 0; i < messages.size(); i++) {
                    byValue.putIfAbsent(messages.get(i), parses.get(i));
                }
            }
            return byValue.get(vh);
        }
    }

    /** Parses fresh every time (no memory between assemblies). */
    static RouteParses none() {
        return new RouteParses();
    }

    /**
     * Parses a received version to accept or reject it (no port: each listener that names it parses it again
     * when the model is assembled). Its virtual hosts are kept until no assembly uses the route configuration.
     */
    Parsed<RouteConfiguration> accept(io.envoyproxy.envoy.config.route.v3.RouteConfiguration raw,
                                      ParseContext context) {
        acceptContext = context;
        acceptedRaw = raw;
        accepted = parseVirtualHosts(raw, 0, context);
        return accepted;
    }

    Parsed<RouteConfiguration> parse(io.envoyproxy.envoy.config.route.v3.RouteConfiguration raw, int port,
                                     ParseContext context) {
        Key key = new Key(raw, port, context);
        Parsed<RouteConfiguration> parsed = used.get(key);
        if (parsed == null) {
            parsed = before.get(key);
        }
        if (parsed == null && raw == acceptedRaw && context.equals(acceptContext) && accepted.ok()) {
            // What accepting it translated, on this port: the port is all a parse on another port changes.
            parsed = new Parsed<>(RouteConfiguration.of(raw.getName(), port, accepted.value().virtualHosts()),
                    accepted.warnings(), null);
        }
        if (parsed == null) {
            parsed = parseVirtualHosts(raw, port, context);
        }
        used.put(key, parsed);
        return parsed;
    }

    private Parsed<RouteConfiguration> parseVirtualHosts(io.envoyproxy.envoy.config.route.v3.RouteConfiguration raw,
                                                         int port, ParseContext context) {
        VirtualHostsKey key = new VirtualHostsKey(raw.getName(), context);
        VirtualHosts previous = virtualHosts.getOrDefault(key, VirtualHosts.NONE);
        List<io.envoyproxy.envoy.config.route.v3.VirtualHost> messages = raw.getVirtualHostsList();
        List<XdsRouteResource.ParsedVirtualHost> parses = new ArrayList<>(messages.size());
        Parsed<RouteConfiguration> parsed = XdsRouteResource.parse(raw, port, vh -> {
            XdsRouteResource.ParsedVirtualHost p = previous.find(parses.size(), vh);
            if (p == null) {
                p = XdsRouteResource.parseVirtualHost(vh, context);
            }
            parses.add(p);
            return p;
        });
        virtualHosts.put(key, new VirtualHosts(messages, parses));
        return parsed;
    }

    /**
     * Ends one assembly: what it did not use is forgotten, and so are the virtual hosts of route configurations
     * it did not use (those kept for accepting a version, while any listener uses the route configuration).
     */
    void assembled() {
        before = used;
        used = new HashMap<>();
        acceptedRaw = null;
        accepted = null;
        Set<VirtualHostsKey> inUse = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (Key k : before.keySet()) {
            inUse.add(new VirtualHostsKey(k.raw.getName(), k.context));
            names.add(k.raw.getName());
        }
        virtualHosts.keySet().removeIf(k -> !inUse.contains(k)
                && !(k.context().equals(acceptContext) && names.contains(k.name())));
    }
}
