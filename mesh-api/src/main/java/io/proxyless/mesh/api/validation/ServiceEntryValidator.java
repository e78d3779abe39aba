package io.proxyless.mesh.api.validation;

import io.proxyless.mesh.api.ServiceEntry;
import io.proxyless.mesh.api.ServiceEntry.Location;
import io.proxyless.mesh.api.ServiceEntry.Resolution;
import io.proxyless.mesh.api.ServicePort;
import io.proxyless.mesh.api.WorkloadEntry;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Istio's ServiceEntry rules ({@code ValidateServiceEntry}). */
final class ServiceEntryValidator {
    private static final String AUTOALLOCATE_LABEL = "networking.istio.io/enable-autoallocate-ip";
    private static final String USE_WAYPOINT_LABEL = "istio.io/use-waypoint";

    private ServiceEntryValidator() {
    }

    static void validate(ServiceEntry spec, ValidationContext ctx) {
        Resolution resolution = spec.resolution() == null ? Resolution.NONE : spec.resolution();
        Location location = spec.location() == null ? Location.MESH_EXTERNAL : spec.location();

        if (spec.workloadSelector() != null) {
            CommonRules.workloadSelector(spec.workloadSelector().labels(), "spec.workloadSelector.labels", ctx,
                    "will be applied to all services in namespace");
            if (!spec.endpoints().isEmpty()) {
                ctx.error("spec.endpoints", "only one of WorkloadSelector or Endpoints is allowed in Service Entry");
            }
        }

        hosts(spec, resolution, ctx);
        boolean cidr = false;
        for (int i = 0; i < spec.addresses().size(); i++) {
            String address = spec.addresses().get(i);
            cidr |= address != null && address.contains("/");
            CommonRules.ipSubnet(address, "spec.addresses[" + i + "]", ctx);
        }
        if (cidr && resolution != Resolution.NONE && resolution != Resolution.STATIC) {
            ctx.error("spec.addresses", "CIDR addresses are allowed only for NONE/STATIC resolution types");
        }

        Set<String> portNames = ports(spec, resolution, ctx);

        switch (resolution) {
            case NONE -> {
                if (!spec.endpoints().isEmpty()) {
                    ctx.error("spec.endpoints", "no endpoints should be provided for resolution type none");
                }
                if (spec.workloadSelector() != null) {
                    ctx.warning("spec.workloadSelector", "workloadSelector should not be set when resolution mode is"
                            + " NONE");
                }
            }
            case STATIC -> {
                for (int i = 0; i < spec.endpoints().size(); i++) {
                    WorkloadEntry e = spec.endpoints().get(i);
                    if (e == null) {
                        ctx.error("spec.endpoints[" + i + "]", "endpoint cannot be nil");
                        continue;
                    }
                    WorkloadEntryValidator.endpoint(e, "spec.endpoints[" + i + "]", portNames, false, ctx);
                }
                if (spec.endpoints().isEmpty() && spec.workloadSelector() == null) {
                    // Istio accepts it (WorkloadEntries cannot attach without a selector, though), but there is
                    // nothing to connect to.
                    ctx.warning("spec.resolution", "resolution STATIC without endpoints or a workloadSelector has no"
                            + " endpoints; calls to these hosts will fail");
                }
            }
            case DNS, DNS_ROUND_ROBIN -> dns(spec, resolution, portNames, ctx);
            case DYNAMIC_DNS -> dynamicDns(spec, location, ctx);
        }

        // With plain TCP nothing on the wire tells several hosts apart (no Host header, no SNI), so Istio only
        // allows it when the hosts are ignored anyway (resolution NONE).
        if (resolution != Resolution.NONE && spec.hosts().size() > 1) {
            for (int i = 0; i < spec.ports().size(); i++) {
                ServicePort port = spec.ports().get(i);
                if (port == null) {
                    continue;
                }
                PortProtocol p = PortProtocol.parse(port.protocol());
                if (!p.isHttp() && !p.isTls()) {
                    ctx.error("spec.hosts", "multiple hosts provided with non-HTTP, non-TLS ports");
                    break;
                }
            }
        }

        CommonRules.exportTo(spec.exportTo(), "spec.exportTo", ctx, true);
    }

    private static void hosts(ServiceEntry spec, Resolution resolution, ValidationContext ctx) {
        if (spec.hosts().isEmpty()) {
            ctx.error("spec.hosts", "service entry must have at least one host");
        }
        for (int i = 0; i < spec.hosts().size(); i++) {
            String host = spec.hosts().get(i);
            String at = "spec.hosts[" + i + "]";
            if ("*".equals(host)) {
                ctx.error(at, "invalid host *");
                continue;
            }
            if (CommonRules.wildcardDomain(host, at, ctx) && resolution != Resolution.DYNAMIC_DNS
                    && CommonRules.isPartialWildcard(host)) {
                ctx.warning(at, "partial wildcard " + CommonRules.quote(host) + " not allowed");
            }
        }
    }

    /** Checks the ports and returns the names they define, for the endpoints to refer to. */
    private static Set<String> ports(ServiceEntry spec, Resolution resolution, ValidationContext ctx) {
        boolean autoAllocation = autoAllocatesAddresses(ctx, resolution);
        Set<String> names = new HashSet<>();
        Set<Integer> numbers = new HashSet<>();
        for (int i = 0; i < spec.ports().size(); i++) {
            ServicePort port = spec.ports().get(i);
            String at = "spec.ports[" + i + "]";
            if (port == null) {
                ctx.error(at, "service entry port may not be null");
                continue;
            }
            if (port.name() != null && !names.add(port.name())) {
                ctx.error(at + ".name", "service entry port name " + CommonRules.quote(port.name())
                        + " already defined");
            }
            if (port.number() != null && !numbers.add(port.number())) {
                ctx.error(at + ".number", "service entry port " + port.number() + " already defined");
            }
            if (port.targetPort() != null && port.targetPort() != 0) {
                CommonRules.portNumber(port.targetPort(), at + ".targetPort", ctx);
            }
            String protocol = port.protocol() == null ? "" : port.protocol();
            if (spec.addresses().isEmpty() && !autoAllocation && (protocol.isEmpty() || protocol.equals("TCP"))) {
                ctx.warning(at + ".protocol", "addresses are required for ports serving TCP (or unset) protocol when"
                        + " IP Autoallocation is not enabled");
            }
            CommonRules.portName(port.name(), at + ".name", ctx);
            CommonRules.protocol(port.protocol(), at + ".protocol", ctx);
            CommonRules.portNumber(port.number(), at + ".number", ctx);
        }
        return names;
    }

    /** Istio's default (IP auto-allocation on) unless resolution is NONE or the entry opts out by label. */
    private static boolean autoAllocatesAddresses(ValidationContext ctx, Resolution resolution) {
        if (resolution == Resolution.NONE) {
            return false;
        }
        String optOut = ctx.resource().metadata().labels().get(AUTOALLOCATE_LABEL);
        return optOut == null || !optOut.equalsIgnoreCase("false");
    }

    private static void dns(ServiceEntry spec, Resolution resolution, Set<String> portNames, ValidationContext ctx) {
        if (spec.endpoints().isEmpty()) {
            // The hosts themselves are resolved, so they must be resolvable names.
            for (int i = 0; i < spec.hosts().size(); i++) {
                String host = spec.hosts().get(i);
                String problem = CommonRules.fqdnProblem(host);
                if (problem != null) {
                    ctx.error("spec.hosts[" + i + "]", "hosts must be FQDN or contain only prefix wildcards if no"
                            + " endpoints are provided for resolution mode " + resolution + ", " + problem);
                    break;
                }
            }
        }
        if (resolution == Resolution.DNS_ROUND_ROBIN && spec.endpoints().size() > 1) {
            ctx.error("spec.endpoints", "there must only be 0 or 1 endpoint for resolution mode " + resolution);
        }
        for (int i = 0; i < spec.endpoints().size(); i++) {
            WorkloadEntry e = spec.endpoints().get(i);
            String at = "spec.endpoints[" + i + "]";
            if (e == null) {
                ctx.error(at, "endpoint cannot be nil");
                continue;
            }
            String addr = e.address() == null ? "" : e.address();
            if (!CommonRules.isIpAddress(addr) && CommonRules.fqdnProblem(addr) != null) {
                ctx.error(at + ".address", "endpoint address " + CommonRules.quote(addr)
                        + " is not a valid FQDN or an IP address");
            }
            CommonRules.labels(e.labels(), at + ".labels", ctx);
            WorkloadEntryValidator.ports(e.ports(), at + ".ports", portNames, ctx);
        }
        if (!spec.addresses().isEmpty() && spec.hosts().size() > 1) {
            for (ServicePort port : spec.ports()) {
                if (port != null && PortProtocol.parse(port.protocol()).isTcp()) {
                    ctx.warning("spec.hosts", "service entry can not have more than one host specified"
                            + " simultaneously with address and tcp port");
                    break;
                }
            }
        }
    }

    private static void dynamicDns(ServiceEntry spec, Location location, ValidationContext ctx) {
        Resolution r = Resolution.DYNAMIC_DNS;
        if (spec.hosts().isEmpty()) {
            ctx.error("spec.hosts", "at least one wildcard host must be provided for resolution type " + r);
        }
        for (int i = 0; i < spec.hosts().size(); i++) {
            String host = spec.hosts().get(i);
            if (host == null || !host.startsWith("*")) {
                ctx.error("spec.hosts[" + i + "]", "host must be wildcarded for resolution mode " + r);
            }
        }
        if (!spec.addresses().isEmpty()) {
            ctx.error("spec.addresses", "addresses cannot be set for resolution type " + r + ". HTTP route domains"
                    + " will only be generated from the hosts field values");
        }
        if (!spec.endpoints().isEmpty()) {
            ctx.error("spec.endpoints", "endpoints cannot be set for resolution type " + r + ". Destination IP address"
                    + " determined from hosts field values");
        }
        for (int i = 0; i < spec.ports().size(); i++) {
            ServicePort port = spec.ports().get(i);
            if (port == null) {
                continue;
            }
            PortProtocol p = PortProtocol.parse(port.protocol());
            if (p != PortProtocol.HTTP && p != PortProtocol.TLS && p != PortProtocol.GRPC && p != PortProtocol.HTTP2) {
                ctx.error("spec.ports[" + i + "].protocol", "only HTTP, TLS, GRPC, and HTTP2 protocols are supported"
                        + " for resolution type " + r);
            }
        }
        if (location == Location.MESH_INTERNAL && usesWaypoint(ctx.resource().metadata().labels())) {
            ctx.error("spec.location", "location MESH_INTERNAL with resolution type " + r + " is not supported when"
                    + " using waypoints");
        }
    }

    private static boolean usesWaypoint(Map<String, String> labels) {
        String waypoint = labels.get(USE_WAYPOINT_LABEL);
        return waypoint != null && !waypoint.isEmpty() && !waypoint.toLowerCase(Locale.ROOT).equals("none");
    }
}
