package io.proxyless.mesh.xds;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.proxyless.mesh.runtime.model.RouteConfiguration;
import io.proxyless.mesh.runtime.model.VirtualHostDomains;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The route configurations an xDS source has parsed for its model, kept from one assembly to the next: a route
 * configuration is parsed per listener that names it (with that listener's filters), and an update to any other
 * resource (one cluster's endpoints, say) assembles the model again; the RDS resource it holds is still the same
 * message then, so its parse is taken as it was. Only the entries the last assembly used are kept.
 *
 * <p>A route configuration sent again (istiod sends a port's whole route configuration when one service's routes
 * change) decodes ({@link #decode}) and translates only the virtual hosts that differ from its previous version's,
 * and checks only their domains against the others' ({@link VirtualHostDomains}). They are told apart by the
 * bytes they came in ({@link WireVirtualHosts}): the same bytes decode to the same message, and comparing bytes is a
 * vectorized memory compare, where protobuf's value equality walks every field of 10,000 decoded messages and
 * its hash (for a lookup) every field again. The virtual host at the same position is compared first (istiod keeps
 * a route configuration's virtual hosts in a stable order); one whose name differs there (a service added or
 * removed before it) is found by name. A match is the very message decoded before, found again by identity when it
 * is translated, and gets the same translated object and findings again, and the
 * runtime's incremental compile takes a virtual host it is handed again, by identity, as it was compiled. Different
 * bytes for an equal message (another serializer's field order) only cost a translation.
 *
 * <p>Not thread-safe: the source's executor is its only user.
 */
final class RouteParses {
    private Map<Key, Parsed<RouteConfiguration>> before = Map.of();
    private Map<Key, Parsed<RouteConfiguration>> used = new HashMap<>();
    private final Map<VirtualHostsKey, VirtualHosts> virtualHosts = new HashMap<>();
    // Where the virtual hosts of the last version received of each route configuration are in its bytes.
    private final Map<String, WireVirtualHosts> received = new HashMap<>();
    private ParseContext acceptContext;
    // The last version accepted, by identity, and its parse: an assembly with the same context takes its virtual
    // hosts as they are, and its whole value when on the port it was accepted for.
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
     * Where each virtual host of one version of a route configuration is in the bytes it was decoded from (its
     * {@code virtual_hosts} entries, in order). Holds those bytes, not the decoded messages.
     */
    static final class WireVirtualHosts {
        private static final int VIRTUAL_HOSTS_TAG = WireFormat.WIRETYPE_LENGTH_DELIMITED
                | io.envoyproxy.envoy.config.route.v3.RouteConfiguration.VIRTUAL_HOSTS_FIELD_NUMBER << 3;
        static final WireVirtualHosts NONE = new WireVirtualHosts(null, ByteString.EMPTY, new int[0], new int[0]);

        private final io.envoyproxy.envoy.config.route.v3.RouteConfiguration raw;
        // The bytes, as received and as a buffer whose index 0 is their first byte.
        private final ByteString source;
        private final ByteBuffer bytes;
        private final int[] offsets;
        private final int[] lengths;
        // The virtual hosts' positions by name, made when a decode first finds one out of its place.
        private Map<String, Integer> byName;
        // A view of the bytes that comparisons move over them, so that comparing allocates nothing (one thread).
        private ByteBuffer window;

        private WireVirtualHosts(io.envoyproxy.envoy.config.route.v3.RouteConfiguration raw, ByteString source,
                                 int[] offsets, int[] lengths) {
            this.raw = raw;
            this.source = source;
            this.bytes = zeroBased(source);
            this.offsets = offsets;
            this.lengths = lengths;
        }

        /**
         * Decodes a RouteConfiguration from {@code bytes}, the value of its {@code Any}: its fields other than
         * {@code virtual_hosts} as protobuf decodes them, and each virtual host that came in the same bytes in
         * {@code before} (the last version received under its name, or null) as the very message decoded then;
         * only the others are decoded. Protobuf's own {@link CodedInputStream} splits the repeated field into each
         * entry's length-delimited bytes without decoding them; what comes out equals protobuf's decode of the
         * whole, and bytes protobuf cannot decode are rejected as it rejects them.
         */
        static WireVirtualHosts decode(ByteString bytes, Function<String, WireVirtualHosts> before)
                throws InvalidProtocolBufferException {
            int[] offsets = new int[16];
            int[] lengths = new int[16];
            int n = 0;
            List<ByteString> rest = new ArrayList<>();
            try {
                CodedInputStream in = bytes.newCodedInput();
                in.setSizeLimit(Integer.MAX_VALUE);
                while (true) {
                    int start = in.getTotalBytesRead();
                    int tag = in.readTag();
                    if (tag == 0) {
                        break;
                    }
                    if (tag == VIRTUAL_HOSTS_TAG) {
                        int length = in.readRawVarint32();
                        if (n == offsets.length) {
                            offsets = Arrays.copyOf(offsets, n * 2);
                            lengths = Arrays.copyOf(lengths, n * 2);
                        }
                        offsets[n] = in.getTotalBytesRead();
                        lengths[n++] = length;
                        in.skipRawBytes(length);
                    } else if (in.skipField(tag)) {
                        rest.add(bytes.substring(start, in.getTotalBytesRead()));
                    } else {
                        // An end-group tag where no group began: protobuf's decode of what is left rejects it.
                        rest.add(bytes.substring(start));
                        break;
                    }
                }
            } catch (InvalidProtocolBufferException e) {
                throw e;
            } catch (IOException e) {
                throw new InvalidProtocolBufferException(e);
            }
            var rc = io.envoyproxy.envoy.config.route.v3.RouteConfiguration.newBuilder()
                    .mergeFrom(ByteString.copyFrom(rest));
            WireVirtualHosts previous = before.apply(rc.getName());
            ByteBuffer entry = zeroBased(bytes);
            List<VirtualHost> hosts = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                entry.limit(offsets[i] + lengths[i]).position(offsets[i]);
                VirtualHost vh = previous == null ? null : previous.find(i, entry, bytes);
                hosts.add(vh != null ? vh
                        : VirtualHost.parseFrom(bytes.substring(offsets[i], offsets[i] + lengths[i])));
            }
            return new WireVirtualHosts(rc.addAllVirtualHosts(hosts).build(), bytes, Arrays.copyOf(offsets, n),
                    Arrays.copyOf(lengths, n));
        }

        /**
         * The decoded virtual host of this version that came in the same bytes as {@code entry}, the remaining bytes
         * of virtual host {@code index} of another version (whose bytes are {@code bytes}): the one at the same
         * position, else the one of the same name; null when neither came in those bytes.
         */
        private VirtualHost find(int index, ByteBuffer entry, ByteString bytes) throws InvalidProtocolBufferException {
            if (raw == null) {
                return null;
            }
            if (index < offsets.length && sameBytes(index, entry)) {
                return raw.getVirtualHosts(index);
            }
            String name = nameOf(bytes.substring(entry.position(), entry.limit()));
            if (index < offsets.length && raw.getVirtualHosts(index).getName().equals(name)) {
                // Changed in place (one service's routes): the virtual host at its position has its name, so it is
                // not elsewhere (were it, decoding it gives the same message), and no index of every name is made
                // for it, a walk over all 10,000 virtual hosts per change.
                return null;
            }
            // Not at its place: by name (a virtual host added or removed before it). Envoy's virtual host names are
            // unique within a route configuration; of two with one name, the first is compared.
            if (byName == null) {
                byName = new HashMap<>(offsets.length * 4 / 3 + 1);
                for (int i = 0; i < offsets.length; i++) {
                    byName.putIfAbsent(raw.getVirtualHosts(i).getName(), i);
                }
            }
            Integer at = byName.get(name);
            return at != null && at != index && sameBytes(at, entry) ? raw.getVirtualHosts(at) : null;
        }

        /** The {@code name} of the VirtualHost in {@code bytes} (its first, if several), without decoding the rest. */
        private static String nameOf(ByteString bytes) throws InvalidProtocolBufferException {
            try {
                String name = WireNames.nameField(bytes);
                return name == null ? "" : name; // protobuf's default for a name not written
            } catch (InvalidProtocolBufferException e) {
                throw e;
            } catch (IOException e) {
                throw new InvalidProtocolBufferException(e);
            }
        }

        /** Whether virtual host {@code i} came in the remaining bytes of {@code entry}. */
        private boolean sameBytes(int i, ByteBuffer entry) {
            if (lengths[i] != entry.remaining()) {
                return false;
            }
            if (window == null) {
                window = bytes.duplicate();
            }
            return window.limit(offsets[i] + lengths[i]).position(offsets[i]).equals(entry);
        }

        /**
         * The virtual hosts of {@code raw} in {@code bytes}, the serialized message it was decoded from; NONE (no
         * virtual host found again) when the bytes do not hold as many as the message has.
         */
        static WireVirtualHosts of(io.envoyproxy.envoy.config.route.v3.RouteConfiguration raw, ByteString bytes) {
            int n = raw.getVirtualHostsCount();
            int[] offsets = new int[n];
            int[] lengths = new int[n];
            int found = 0;
            try {
                CodedInputStream in = bytes.newCodedInput();
                for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                    if (tag != VIRTUAL_HOSTS_TAG) {
                        in.skipField(tag);
                        continue;
                    }
                    int length = in.readRawVarint32();
                    if (found == n) {
                        return NONE;
                    }
                    offsets[found] = in.getTotalBytesRead();
                    lengths[found++] = length;
                    in.skipRawBytes(length);
                }
            } catch (IOException e) {
                return NONE; // not the bytes it was decoded from
            }
            return found == n ? new WireVirtualHosts(raw, bytes, offsets, lengths) : NONE;
        }

        /**
         * A view of {@code bytes} whose index 0 is their first byte, as the offsets read from them count: the bytes
         * of a resource decoded with its response are a view into the response's array, and protobuf's buffer of
         * such a view starts where the view does within the array.
         */
        private static ByteBuffer zeroBased(ByteString bytes) {
            return bytes.asReadOnlyByteBuffer().slice();
        }

        /** The bytes of {@code raw}, serialized again: for a message whose received bytes are not at hand. */
        static WireVirtualHosts of(io.envoyproxy.envoy.config.route.v3.RouteConfiguration raw) {
            return of(raw, raw.toByteString());
        }

        int size() {
            return offsets.length;
        }

        /** Whether the bytes of virtual host {@code i} are clean for {@code scan}; false without them. */
        boolean clean(int i, UnhandledFieldScan scan) {
            return i < offsets.length && scan.clean(source.substring(offsets[i], offsets[i] + lengths[i]));
        }

        /** Whether virtual host {@code i} here came in the same bytes as virtual host {@code j} of {@code other}. */
        boolean sameBytes(int i, WireVirtualHosts other, int j) {
            if (raw != null && other.raw != null && raw.getVirtualHosts(i) == other.raw.getVirtualHosts(j)) {
                return true; // decoded from the same bytes once, for both versions (decode)
            }
            ByteBuffer entry = bytes.duplicate();
            return other.sameBytes(j, entry.limit(offsets[i] + lengths[i]).position(offsets[i]));
        }
    }

    /**
     * One version's virtual hosts: their bytes, names and translations, by position. Keeps no decoded message.
     */
    private static final class VirtualHosts {
        static final VirtualHosts NONE = new VirtualHosts(WireVirtualHosts.NONE, new String[0], List.of(), null);

        private final WireVirtualHosts wire;
        private final String[] names;
        private final List<XdsRouteResource.ParsedVirtualHost> parses;
        // The domains of the last configuration built from a version of it, handed from version to version.
        private final VirtualHostDomains domains;
        private Map<String, Integer> byName;

        VirtualHosts(WireVirtualHosts wire, String[] names, List<XdsRouteResource.ParsedVirtualHost> parses,
                     VirtualHostDomains domains) {
            this.wire = wire;
            this.names = names;
            this.parses = parses;
            this.domains = domains;
        }

        /**
         * The translation of virtual host {@code index} of a new version ({@code vh}, in {@code newWire}) when this
         * version had it in the same bytes, else null.
         */
        XdsRouteResource.ParsedVirtualHost find(int index, io.envoyproxy.envoy.config.route.v3.VirtualHost vh,
                                                WireVirtualHosts newWire) {
            if (index >= newWire.size() || names.length == 0) {
                return null;
            }
            int at = index;
            if (index >= names.length || !names[index].equals(vh.getName())) {
                // Not at its place (a virtual host added or removed before it): by name. Envoy's virtual host
                // names are unique within a route configuration; a duplicate is only not found again.
                if (byName == null) {
                    byName = new HashMap<>(names.length * 4 / 3 + 1);
                    for (int i = 0; i < names.length; i++) {
                        byName.putIfAbsent(names[i], i);
                    }
                }
                Integer found = byName.get(vh.getName());
                if (found == null) {
                    return null;
                }
                at = found;
            }
            return newWire.sameBytes(index, wire, at) ? parses.get(at) : null;
        }
    }

    /** Parses fresh every time (no memory between assemblies). */
    static RouteParses none() {
        return new RouteParses();
    }

    /**
     * Parses a received version to accept or reject it, on the port named (each listener that names it on another
     * port parses it again when the model is assembled), from the bytes it was decoded from. Its virtual hosts are
     * kept until no assembly uses the route configuration.
     */
    Parsed<RouteConfiguration> accept(io.envoyproxy.envoy.config.route.v3.RouteConfiguration raw, ByteString bytes,
                                      int port, ParseContext context) {
        WireVirtualHosts wire = received.get(raw.getName());
        if (wire == null || wire.raw != raw) {
            wire = WireVirtualHosts.of(raw, bytes);
            received.put(raw.getName(), wire);
        }
        acceptContext = context;
        acceptedRaw = raw;
        accepted = parseVirtualHosts(raw, wire, port, context);
        return accepted;
    }

    /**
     * Decodes a received version of a route configuration from {@code bytes}, the value of its {@code Any}, taking
     * each virtual host that came in the same bytes in the last version received under its name as the message
     * decoded then ({@link WireVirtualHosts#decode}); {@link #accept} then finds where they are without reading the
     * bytes again, and those virtual hosts' translations by identity.
     */
    io.envoyproxy.envoy.config.route.v3.RouteConfiguration decode(ByteString bytes)
            throws InvalidProtocolBufferException {
        WireVirtualHosts wire = WireVirtualHosts.decode(bytes, received::get);
        received.put(wire.raw.getName(), wire);
        return wire.raw;
    }

    /** Accepting a version on no port ({@link RouteConfiguration#ANY_PORT}), from the message's own bytes. */
    Parsed<RouteConfiguration> accept(io.envoyproxy.envoy.config.route.v3.RouteConfiguration raw,
                                      ParseContext context) {
        return accept(raw, raw.toByteString(), RouteConfiguration.ANY_PORT, context);
    }

    Parsed<RouteConfiguration> parse(io.envoyproxy.envoy.config.route.v3.RouteConfiguration raw, int port,
                                     ParseContext context) {
        Key key = new Key(raw, port, context);
        Parsed<RouteConfiguration> parsed = used.get(key);
        if (parsed == null) {
            parsed = before.get(key);
        }
        if (parsed == null && raw == acceptedRaw && context.equals(acceptContext) && accepted.ok()) {
            // What accepting it translated; on another port, with that port: the port is all a parse there changes.
            parsed = accepted.value().port() == port ? accepted
                    : new Parsed<>(accepted.value().withPort(port), accepted.warnings(), null);
        }
        if (parsed == null) {
            WireVirtualHosts wire = received.get(raw.getName());
            parsed = parseVirtualHosts(raw, wire != null && wire.raw == raw ? wire : WireVirtualHosts.of(raw), port,
                    context);
        }
        used.put(key, parsed);
        return parsed;
    }

    private Parsed<RouteConfiguration> parseVirtualHosts(io.envoyproxy.envoy.config.route.v3.RouteConfiguration raw,
                                                         WireVirtualHosts wire, int port, ParseContext context) {
        VirtualHostsKey key = new VirtualHostsKey(raw.getName(), context);
        VirtualHosts previous = virtualHosts.getOrDefault(key, VirtualHosts.NONE);
        // The translations reused are the very virtual hosts of the configuration before, so the check that no
        // domain is in two of them looks at the changed ones' domains alone.
        VirtualHostDomains domains = previous.domains != null ? previous.domains : new VirtualHostDomains();
        String[] names = new String[raw.getVirtualHostsCount()];
        List<XdsRouteResource.ParsedVirtualHost> parses = new ArrayList<>(names.length);
        XdsRouteResource.RetryPolicies retries = new XdsRouteResource.RetryPolicies();
        Parsed<RouteConfiguration> parsed = XdsRouteResource.parse(raw, port, vh -> {
            int index = parses.size();
            XdsRouteResource.ParsedVirtualHost p = previous.find(index, vh, wire);
            if (p == null) {
                p = XdsRouteResource.parseVirtualHost(vh, context, retries,
                        wire.clean(index, XdsRouteResource.VHOST_SCAN));
            }
            names[index] = vh.getName();
            parses.add(p);
            return p;
        }, domains);
        virtualHosts.put(key, new VirtualHosts(wire, names, parses, domains));
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
        received.keySet().retainAll(names);
    }
}
