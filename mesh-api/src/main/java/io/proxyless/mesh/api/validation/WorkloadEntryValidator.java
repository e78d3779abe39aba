package io.proxyless.mesh.api.validation;

import io.proxyless.mesh.api.WorkloadEntry;
import java.util.Map;
import java.util.Set;

/**
 * Istio's WorkloadEntry rules ({@code ValidateWorkloadEntry}); {@link #endpoint} also checks the inline
 * endpoints of a {@code STATIC} ServiceEntry.
 */
final class WorkloadEntryValidator {
    static final String UNIX_PREFIX = "unix://";

    private WorkloadEntryValidator() {
    }

    static void validate(WorkloadEntry spec, ValidationContext ctx) {
        // A lone WorkloadEntry may name a host (for DNS resolution); which ports exist is not known here.
        endpoint(spec, "spec", null, true, ctx);
    }

    /**
     * One workload: an address (IP, {@code unix://} socket, or when {@code allowFqdn} a DNS name; may be left out
     * only with a network), ports named after the service's ports when those are known, valid labels.
     *
     * @param servicePorts the port names of the ServiceEntry the endpoint belongs to, or null when unknown
     */
    static void endpoint(WorkloadEntry we, String path, Set<String> servicePorts, boolean allowFqdn,
                         ValidationContext ctx) {
        String addr = we.address() == null ? "" : we.address();
        if (addr.isEmpty()) {
            if (we.network() == null || we.network().isEmpty()) {
                ctx.error(path + ".address", "address is required");
                return;
            }
            // A workload in another network is reached through that network's gateway.
            ctx.warning(path + ".address", "address is unset with network " + CommonRules.quote(we.network()));
        }
        boolean unix = addr.startsWith(UNIX_PREFIX);
        if (unix) {
            CommonRules.unixAddress(addr.substring(UNIX_PREFIX.length()), path + ".address", ctx);
            if (!we.ports().isEmpty()) {
                ctx.error(path + ".ports", "unix endpoint " + addr + " must not include ports");
            }
        } else if (!addr.isEmpty() && !CommonRules.isIpAddress(addr)) {
            if (!allowFqdn) {
                ctx.error(path + ".address", "endpoint address " + CommonRules.quote(addr) + " is not a valid IP address");
            } else if (CommonRules.fqdnProblem(addr) != null) {
                ctx.error(path + ".address", "endpoint address " + CommonRules.quote(addr)
                        + " is not a valid FQDN or an IP address");
            }
        }
        ports(we.ports(), path + ".ports", servicePorts, ctx);
        CommonRules.labels(we.labels(), path + ".labels", ctx);
        if (unix && servicePorts != null && servicePorts.size() != 1) {
            ctx.error(path + ".address", "exactly 1 service port required for unix endpoints");
        }
        CommonRules.nonNegative(we.weight(), "weight", path + ".weight", ctx);
    }

    /** An endpoint's port map: service port name → port number on the endpoint. */
    static void ports(Map<String, Integer> ports, String path, Set<String> servicePorts, ValidationContext ctx) {
        for (Map.Entry<String, Integer> p : ports.entrySet()) {
            String at = path + "." + p.getKey();
            if (servicePorts != null && !servicePorts.contains(p.getKey())) {
                ctx.error(at, "endpoint port " + p.getValue() + " is not defined by the service entry");
            }
            if (!CommonRules.isDns1123Label(p.getKey())) {
                ctx.error(at, "invalid port name: " + p.getKey());
            }
            CommonRules.portNumber(p.getValue(), at, ctx);
        }
    }
}
