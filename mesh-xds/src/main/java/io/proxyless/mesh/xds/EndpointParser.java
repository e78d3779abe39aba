package io.proxyless.mesh.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ClusterLoadAssignment → {@link XdsEndpoints}: address, port, locality, weight and priority of every endpoint
 * Envoy would send traffic to. Unhealthy, draining and timed-out endpoints are left out, as Envoy leaves them
 * out of load balancing.
 */
final class EndpointParser {
    /** Istio labels endpoints that speak Istio mTLS with this, in endpoint metadata. */
    static final String TLS_MODE_LABEL = "security.istio.io/tlsMode";
    private static final Set<HealthStatus> EXCLUDED = Set.of(HealthStatus.UNHEALTHY, HealthStatus.DRAINING,
            HealthStatus.TIMEOUT);

    private EndpointParser() {
    }

    static Parsed<XdsEndpoints> parse(ClusterLoadAssignment cla, ParseContext ctx) {
        Findings f = new Findings();
        XdsEndpoints value = parseAssignment(cla, "", f);
        return Parsed.of(value, f);
    }

    static XdsEndpoints parseAssignment(ClusterLoadAssignment cla, String path, Findings f) {
        f.unsupportedFields(cla, path, Set.of("cluster_name", "endpoints", "policy"));
        if (cla.hasPolicy()) {
            if (cla.getPolicy().getDropOverloadsCount() > 0) {
                f.warn(Findings.join(path, "policy.drop_overloads"), "not supported; no requests are dropped");
            }
        }
        List<XdsEndpoints.LbEndpoint> out = new ArrayList<>();
        Map<String, Integer> localityWeights = new LinkedHashMap<>();
        for (int i = 0; i < cla.getEndpointsCount(); i++) {
            LocalityLbEndpoints group = cla.getEndpoints(i);
            String gp = Findings.join(path, "endpoints[" + i + "]");
            f.unsupportedFields(group, gp, Set.of("locality", "lb_endpoints", "load_balancing_weight", "priority",
                    "proximity", "metadata"));
            String locality = ProtoValues.locality(group.getLocality());
            if (group.hasLoadBalancingWeight()) {
                localityWeights.merge(locality, ProtoValues.clampToInt(group.getLoadBalancingWeight().getValue()),
                        Integer::sum);
            }
            for (int j = 0; j < group.getLbEndpointsCount(); j++) {
                LbEndpoint e = group.getLbEndpoints(j);
                String ep = Findings.join(gp, "lb_endpoints[" + j + "]");
                if (EXCLUDED.contains(e.getHealthStatus())) {
                    continue;
                }
                if (!e.hasEndpoint()) {
                    f.warn(ep, "endpoints by name (endpoint_name) are not supported; skipped");
                    continue;
                }
                Address a = e.getEndpoint().getAddress();
                String address;
                int port;
                if (a.hasSocketAddress()) {
                    var s = a.getSocketAddress();
                    if (s.getPortSpecifierCase() != io.envoyproxy.envoy.config.core.v3.SocketAddress.PortSpecifierCase
                            .PORT_VALUE) {
                        f.error(Findings.join(ep, "endpoint.address.socket_address"), "needs a port_value");
                        continue;
                    }
                    if (s.getAddress().isEmpty()) {
                        f.error(Findings.join(ep, "endpoint.address.socket_address.address"), "must not be empty");
                        continue;
                    }
                    address = s.getAddress();
                    port = s.getPortValue();
                } else if (a.hasPipe()) {
                    address = "unix://" + a.getPipe().getPath();
                    port = 0;
                } else {
                    f.warn(Findings.join(ep, "endpoint.address"), "only socket and pipe addresses are supported;"
                            + " skipped");
                    continue;
                }
                Map<String, String> labels = new LinkedHashMap<>();
                Struct match = e.getMetadata().getFilterMetadataMap().get("envoy.transport_socket_match");
                if (match != null) {
                    Value tlsMode = match.getFieldsMap().get("tlsMode");
                    if (tlsMode != null && tlsMode.hasStringValue()) {
                        labels.put(TLS_MODE_LABEL, tlsMode.getStringValue());
                    }
                }
                int weight = e.hasLoadBalancingWeight() ? ProtoValues.clampToInt(e.getLoadBalancingWeight().getValue())
                        : 1;
                out.add(new XdsEndpoints.LbEndpoint(address, port, locality, Math.max(1, weight),
                        group.getPriority(), labels));
            }
        }
        return new XdsEndpoints(cla.getClusterName(), out, localityWeights);
    }
}
