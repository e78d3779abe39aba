package io.proxyless.mesh.xds;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.proxyless.mesh.runtime.balancing.LocalityPriorities;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * EDS into the mesh's one route model: {@code ClusterLoadAssignment} → {@link
 * io.proxyless.mesh.runtime.model.ClusterLoadAssignment}, with every endpoint's address, port, weight, locality,
 * priority and metadata labels. Unhealthy, draining and timed-out endpoints are left out, as Envoy and grpc-java
 * leave them out of load balancing; their number per priority is kept, since Envoy counts them in the priority's
 * hosts when it decides how healthy the priority is. The value is named like the resource (the EDS service name); the source files
 * it under the clusters that name it.
 *
 * <p>Each endpoint carries its locality's {@code load_balancing_weight} as its locality share, scaled by the
 * locality's availability as Envoy does; the share is applied only when the cluster asks for locality-weighted
 * balancing ({@code locality_weighted_lb_config}, {@code wrr_locality}), which the assignment cannot know.
 *
 * <p>Errors (the assignment is NACKed): an endpoint weight of 0 (Envoy requires at least 1), an address without
 * a port or host, the same address and port twice in one priority (grpc-java).
 */
final class XdsEndpointResource {
    /** Istio labels endpoints that speak Istio mTLS with this, in endpoint metadata. */
    static final String TLS_MODE_LABEL = "security.istio.io/tlsMode";
    /** The endpoint metadata Envoy's subset load balancer matches on: string values become labels. */
    static final String LB_METADATA = "envoy.lb";
    /** The endpoint metadata Envoy matches a cluster's {@code transport_socket_matches} against. */
    static final String TRANSPORT_SOCKET_MATCH = "envoy.transport_socket_match";
    private static final Set<HealthStatus> EXCLUDED = Set.of(HealthStatus.UNHEALTHY, HealthStatus.DRAINING,
            HealthStatus.TIMEOUT);
    private static final HandledFields POLICY_FIELDS = HandledFields.of(
            ClusterLoadAssignment.Policy.getDescriptor(), Set.of("drop_overloads", "overprovisioning_factor"));
    private static final HandledFields ASSIGNMENT_FIELDS = HandledFields.of(ClusterLoadAssignment.getDescriptor(),
            Set.of("cluster_name", "endpoints", "policy"));
    private static final HandledFields LOCALITY_FIELDS = HandledFields.of(LocalityLbEndpoints.getDescriptor(),
            Set.of("locality", "lb_endpoints", "load_balancing_weight", "priority", "proximity", "metadata"));
    /** An assignment's bytes scanned for what {@link #parseAssignment} checks. */
    static final UnhandledFieldScan ASSIGNMENT_SCAN = UnhandledFieldScan.of(ASSIGNMENT_FIELDS)
            .nest(ClusterLoadAssignment.POLICY_FIELD_NUMBER, UnhandledFieldScan.of(POLICY_FIELDS))
            .nest(ClusterLoadAssignment.ENDPOINTS_FIELD_NUMBER, UnhandledFieldScan.of(LOCALITY_FIELDS));

    private XdsEndpointResource() {
    }

    static Parsed<io.proxyless.mesh.runtime.model.ClusterLoadAssignment> parse(ClusterLoadAssignment cla) {
        return parse(cla, null);
    }

    /** Like {@link #parse(ClusterLoadAssignment)}, {@code cla} decoded from {@code bytes} (or null). */
    static Parsed<io.proxyless.mesh.runtime.model.ClusterLoadAssignment> parse(ClusterLoadAssignment cla,
                                                                           ByteString bytes) {
        Findings f = new Findings(bytes != null && ASSIGNMENT_SCAN.clean(bytes));
        var value = parseAssignment(cla, "", f);
        return Parsed.of(value, f);
    }

    /** The assignment, or null when it has an error. */
    static io.proxyless.mesh.runtime.model.ClusterLoadAssignment parseAssignment(ClusterLoadAssignment cla,
                                                                              String path, Findings f) {
        f.unsupportedFields(cla, path, ASSIGNMENT_FIELDS);
        if (cla.hasPolicy() && cla.getPolicy().getDropOverloadsCount() > 0) {
            f.warn(Findings.join(path, "policy.drop_overloads"), "not supported; no requests are dropped");
        }
        if (cla.hasPolicy()) {
            // weighted_priority_health, endpoint_stale_after: said out loud rather than silently ignored.
            f.unsupportedFields(cla.getPolicy(), Findings.join(path, "policy"), POLICY_FIELDS);
        }
        int overprovisioning = overprovisioningFactor(cla, path, f);
        // Envoy keys a locality's weight by priority and locality; an unset weight is 0 (no traffic when the
        // cluster balances by locality weight). Counted first, so that each endpoint is built with its share.
        Map<String, LocalityWeight> localities = new HashMap<>();
        LocalityWeight[] groupLocality = new LocalityWeight[cla.getEndpointsCount()];
        for (int i = 0; i < cla.getEndpointsCount(); i++) {
            LocalityLbEndpoints group = cla.getEndpoints(i);
            LocalityWeight lw = localities.computeIfAbsent(group.getPriority() + "|"
                    + ProtoValues.locality(group.getLocality()), k -> new LocalityWeight(overprovisioning));
            lw.weight += Integer.toUnsignedLong(group.getLoadBalancingWeight().getValue());
            lw.endpoints += group.getLbEndpointsCount();
            for (int j = 0; j < group.getLbEndpointsCount(); j++) {
                if (!EXCLUDED.contains(group.getLbEndpoints(j).getHealthStatus())) {
                    lw.available++;
                }
            }
            groupLocality[i] = lw;
        }
        List<io.proxyless.mesh.runtime.model.LbEndpoint> out = new ArrayList<>();
        // Envoy keeps endpoints whose health status fails in their priority's host count: they lower its health.
        Map<Integer, Integer> leftOut = new HashMap<>();
        Map<io.proxyless.mesh.runtime.model.ClusterLoadAssignment.PriorityLocality, Integer> leftOutByLocality =
                new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < cla.getEndpointsCount(); i++) {
            LocalityLbEndpoints group = cla.getEndpoints(i);
            String gp = Findings.join(path, "endpoints[" + i + "]");
            f.unsupportedFields(group, gp, LOCALITY_FIELDS);
            String locality = ProtoValues.locality(group.getLocality());
            double share = groupLocality[i].share();
            for (int j = 0; j < group.getLbEndpointsCount(); j++) {
                if (EXCLUDED.contains(group.getLbEndpoints(j).getHealthStatus()) && group.getPriority() >= 0) {
                    leftOut.merge(group.getPriority(), 1, Integer::sum);
                    leftOutByLocality.merge(new io.proxyless.mesh.runtime.model.ClusterLoadAssignment
                            .PriorityLocality(group.getPriority(), locality), 1, Integer::sum);
                }
                var e = parseEndpoint(group.getLbEndpoints(j), locality, group.getPriority(), share,
                        Findings.join(gp, "lb_endpoints[" + j + "]"), f);
                if (e != null) {
                    if (!seen.add(e.priority() + "|" + e.address() + "|" + e.port())) {
                        f.error(Findings.join(gp, "lb_endpoints[" + j + "]"), "endpoint " + e.address() + ":"
                                + e.port() + " appears twice in priority " + e.priority());
                        continue;
                    }
                    out.add(e);
                }
            }
        }
        if (f.hasErrors()) {
            return null;
        }
        return new io.proxyless.mesh.runtime.model.ClusterLoadAssignment(cla.getClusterName(), out, overprovisioning,
                leftOut, leftOutByLocality);
    }

    /**
     * {@code policy.overprovisioning_factor} in percent, Envoy's 140 when unset. 0 is an error: every priority and
     * locality would count as having no healthy endpoint, so nothing could be picked by health at all.
     */
    private static int overprovisioningFactor(ClusterLoadAssignment cla, String path, Findings f) {
        if (!cla.hasPolicy() || !cla.getPolicy().hasOverprovisioningFactor()) {
            return io.proxyless.mesh.runtime.model.ClusterLoadAssignment.DEFAULT_OVERPROVISIONING_FACTOR;
        }
        int factor = cla.getPolicy().getOverprovisioningFactor().getValue();
        if (factor == 0) {
            f.error(Findings.join(path, "policy.overprovisioning_factor"), "must be at least 1 (percent): at 0 no"
                    + " priority or locality ever counts as healthy");
            return io.proxyless.mesh.runtime.model.ClusterLoadAssignment.DEFAULT_OVERPROVISIONING_FACTOR;
        }
        // An unsigned 32-bit value; anything above Integer.MAX_VALUE makes every level healthy just the same.
        return factor < 0 ? Integer.MAX_VALUE : factor;
    }

    /** One locality of one priority: its weight and how many of its endpoints take traffic. */
    private static final class LocalityWeight {
        long weight;
        int endpoints;
        int available;
        /** The assignment's over-provisioning factor, in percent. */
        final int overprovisioning;

        LocalityWeight(int overprovisioning) {
            this.overprovisioning = overprovisioning;
        }

        /**
         * Envoy's effective locality weight: the weight scaled by the locality's availability (its endpoints that
         * take traffic, times the over-provisioning factor, at most 1), so a locality with a few unhealthy endpoints
         * keeps its whole weight and one with none healthy gets none. Endpoints outlier detection ejects later
         * lower the locality's availability in the runtime the same way ({@code WeightedLocalities}).
         */
        double share() {
            if (weight == 0 || endpoints == 0) {
                return 0;
            }
            return weight * LocalityPriorities.availability(overprovisioning / 100.0, available, endpoints);
        }
    }

    /**
     * One endpoint, with its locality's share ({@link LocalityWeight#share()}); null when it takes no traffic
     * (unhealthy, draining) or has an error.
     */
    static io.proxyless.mesh.runtime.model.LbEndpoint parseEndpoint(LbEndpoint e, String locality, int priority,
                                                                    double localityShare, String path, Findings f) {
        if (EXCLUDED.contains(e.getHealthStatus())) {
            return null;
        }
        if (!e.hasEndpoint()) {
            f.error(path, "endpoints by name (endpoint_name) cannot be resolved by this client");
            return null;
        }
        Address a = e.getEndpoint().getAddress();
        String address;
        int port;
        if (a.hasSocketAddress()) {
            SocketAddress s = a.getSocketAddress();
            String sp = Findings.join(path, "endpoint.address.socket_address");
            if (s.getPortSpecifierCase() != SocketAddress.PortSpecifierCase.PORT_VALUE) {
                f.error(sp, "needs a port_value");
                return null;
            }
            if (s.getAddress().isEmpty()) {
                f.error(Findings.join(sp, "address"), "must not be empty");
                return null;
            }
            if (s.getPortValue() < 1 || s.getPortValue() > 65535) {
                f.error(Findings.join(sp, "port_value"), s.getPortValue() + " is not in [1, 65535]");
                return null;
            }
            address = s.getAddress();
            port = s.getPortValue();
        } else if (a.hasPipe()) {
            address = "unix://" + a.getPipe().getPath();
            port = 0;
        } else {
            f.error(Findings.join(path, "endpoint.address"), "only socket and pipe addresses can be reached by this"
                    + " client");
            return null;
        }
        long weight = e.hasLoadBalancingWeight() ? Integer.toUnsignedLong(e.getLoadBalancingWeight().getValue()) : 1;
        if (weight < 1) {
            f.error(Findings.join(path, "load_balancing_weight"), "must be at least 1");
            return null;
        }
        return new io.proxyless.mesh.runtime.model.LbEndpoint(address, port, ProtoValues.clampToInt(weight), locality,
                priority, labels(e), null, localityShare, transportSocketMatch(e));
    }

    /**
     * The string values of the endpoint's {@code envoy.transport_socket_match} metadata, which its cluster's
     * {@code transport_socket_matches} are matched against.
     */
    static Map<String, String> transportSocketMatch(LbEndpoint e) {
        if (!e.hasMetadata()) {
            return Map.of(); // and no empty map view made per endpoint to say so
        }
        Struct match = e.getMetadata().getFilterMetadataMap().get(TRANSPORT_SOCKET_MATCH);
        if (match == null) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        match.getFieldsMap().forEach((k, v) -> {
            if (v.hasStringValue()) {
                out.put(k, v.getStringValue());
            }
        });
        return out;
    }

    /**
     * Metadata labels: Istio's {@code tlsMode} (from {@code envoy.transport_socket_match}) and the string values
     * of {@code envoy.lb}, which Envoy's subset load balancer matches on.
     */
    static Map<String, String> labels(LbEndpoint e) {
        if (!e.hasMetadata()) {
            return Map.of();
        }
        Map<String, String> labels = new LinkedHashMap<>();
        Struct lb = e.getMetadata().getFilterMetadataMap().get(LB_METADATA);
        if (lb != null) {
            lb.getFieldsMap().forEach((k, v) -> {
                if (v.hasStringValue()) {
                    labels.put(k, v.getStringValue());
                }
            });
        }
        Struct match = e.getMetadata().getFilterMetadataMap().get(TRANSPORT_SOCKET_MATCH);
        if (match != null) {
            Value tlsMode = match.getFieldsMap().get("tlsMode");
            if (tlsMode != null && tlsMode.hasStringValue()) {
                labels.put(TLS_MODE_LABEL, tlsMode.getStringValue());
            }
        }
        return labels;
    }
}
