package io.proxyless.mesh.xds;

import io.proxyless.mesh.runtime.security.InboundMtls;
import io.proxyless.mesh.runtime.security.InboundPolicy;
import io.proxyless.mesh.runtime.security.MtlsMode;
import io.proxyless.mesh.runtime.security.Permission;
import io.proxyless.mesh.runtime.security.Principal;
import io.proxyless.mesh.runtime.security.Rbac;
import io.proxyless.mesh.runtime.security.RbacPolicy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The workload's inbound policy from the inbound listeners in force, one per port it serves
 * ({@link XdsInboundListenerResource}): the ports' mTLS modes, and one DENY and one ALLOW engine holding every
 * listener's policies, each bound to its port.
 *
 * <p>Fail closed, as grpc-java's xDS server is "not serving" without its listener: a port without a listener in
 * force (not arrived yet, rejected, deleted, or never announced with {@code Mesh.serveInbound}) is STRICT and
 * refuses every call.
 */
final class XdsInboundPolicy {
    /** The policy that refuses calls on ports without an inbound listener. */
    static final String NO_LISTENER = "xDS: no inbound listener in force for the port";

    private XdsInboundPolicy() {
    }

    /**
     * @param namespace the workload's namespace
     * @param listeners the inbound listeners in force
     * @param warnings  further warnings (ports waiting for their listener, rejected listeners)
     */
    static InboundPolicy assemble(String namespace, Collection<XdsInboundListenerResource.Update> listeners,
                                  List<String> warnings) {
        Map<Integer, XdsInboundListenerResource.Update> byPort = new TreeMap<>();
        for (XdsInboundListenerResource.Update l : listeners) {
            // Two names for one port (0.0.0.0 and [::]): the first in name order, so the result is repeatable.
            byPort.putIfAbsent(l.port(), l);
        }
        Map<Integer, MtlsMode> modes = new TreeMap<>();
        List<RbacPolicy> deny = new ArrayList<>();
        List<RbacPolicy> allow = new ArrayList<>();
        boolean hasAllow = false;
        List<String> allWarnings = new ArrayList<>();
        List<Permission> served = new ArrayList<>();
        for (XdsInboundListenerResource.Update l : byPort.values()) {
            modes.put(l.port(), l.mode());
            served.add(new Permission.DestinationPort(l.port()));
            deny.addAll(l.deny());
            allow.addAll(l.allow());
            hasAllow |= l.hasAllow();
            allWarnings.addAll(l.warnings());
        }
        allWarnings.addAll(warnings);
        deny.add(0, new RbacPolicy(NO_LISTENER, 0,
                List.of(served.isEmpty() ? Permission.any() : new Permission.Not(new Permission.Or(served))),
                List.of(Principal.any())));
        List<Rbac> engines = new ArrayList<>();
        engines.add(new Rbac(Rbac.Action.DENY, deny));
        if (hasAllow) {
            engines.add(new Rbac(Rbac.Action.ALLOW, allow));
        }
        String decidedBy = byPort.isEmpty() ? "xDS (no inbound listener yet)"
                : "xDS " + byPort.values().stream().map(XdsInboundListenerResource.Update::name).toList();
        return InboundPolicy.of(namespace, Map.of(), new InboundMtls(MtlsMode.STRICT, modes, decidedBy), engines,
                allWarnings);
    }
}
