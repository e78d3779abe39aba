package io.proxyless.mesh.api.validation;

import io.proxyless.mesh.api.CaptureMode;
import io.proxyless.mesh.api.Destination;
import io.proxyless.mesh.api.IstioEgressListener;
import io.proxyless.mesh.api.IstioIngressListener;
import io.proxyless.mesh.api.OutboundTrafficPolicy;
import io.proxyless.mesh.api.ServerTLSSettings;
import io.proxyless.mesh.api.Sidecar;
import io.proxyless.mesh.api.SidecarPort;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Istio's Sidecar rules ({@code ValidateSidecar}). */
final class SidecarValidator {
    private static final Set<String> DEFAULT_ENDPOINT_HOSTS = Set.of("", "127.0.0.1", "0.0.0.0", "::1", "::");

    private SidecarValidator() {
    }

    static void validate(Sidecar spec, ValidationContext ctx) {
        if (spec.workloadSelector() != null) {
            CommonRules.workloadSelector(spec.workloadSelector().labels(), "spec.workloadSelector.labels", ctx,
                    "will be applied to all services in namespace");
        }
        if (spec.egress().isEmpty() && spec.ingress().isEmpty() && spec.outboundTrafficPolicy() == null
                && spec.inboundConnectionPool() == null) {
            ctx.error("spec", "empty configuration provided");
            return;
        }
        Set<Integer> ingressPorts = new HashSet<>();
        for (int i = 0; i < spec.ingress().size(); i++) {
            ingress(spec.ingress().get(i), "spec.ingress[" + i + "]", ingressPorts, ctx);
        }
        DestinationRuleValidator.connectionPool(spec.inboundConnectionPool(), "spec.inboundConnectionPool", ctx);

        Set<Integer> egressPorts = new HashSet<>();
        Set<String> sockets = new HashSet<>();
        boolean catchAllFound = false;
        for (int i = 0; i < spec.egress().size(); i++) {
            IstioEgressListener egress = spec.egress().get(i);
            String at = "spec.egress[" + i + "]";
            if (egress == null) {
                ctx.error(at, "egress listener may not be null");
                continue;
            }
            // Only one listener may be port-less (it catches everything else), and it must come last.
            if (egress.port() == null) {
                if (catchAllFound) {
                    ctx.error(at + ".port", "egress can have only one listener with empty port");
                    continue;
                }
                if (i == spec.egress().size() - 1) {
                    catchAllFound = true;
                } else {
                    ctx.error(at + ".port", "the egress listener with empty port should be the last listener in the"
                            + " list");
                }
            } else {
                egressPort(egress, at, egressPorts, sockets, ctx);
            }
            egressHosts(egress, at + ".hosts", ctx);
        }
        outboundTrafficPolicy(spec.outboundTrafficPolicy(), "spec.outboundTrafficPolicy", ctx);
    }

    private static void ingress(IstioIngressListener in, String path, Set<Integer> ports, ValidationContext ctx) {
        if (in == null) {
            ctx.error(path, "ingress may not be null");
            return;
        }
        SidecarPort port = in.port();
        if (port == null) {
            ctx.error(path + ".port", "port is required for ingress listeners");
            return;
        }
        if (port.targetPort() != null && port.targetPort() > 0) {
            ctx.error(path + ".port.targetPort", "targetPort has no impact on Sidecars");
        }
        if (port.name() != null && !port.name().isEmpty()) {
            CommonRules.portName(port.name(), path + ".port.name", ctx);
        }
        CommonRules.protocol(port.protocol(), path + ".port.protocol", ctx);
        CommonRules.portNumber(port.number(), path + ".port.number", ctx);
        if (in.bind() != null && !in.bind().isEmpty()) {
            CommonRules.ipAddress(in.bind(), path + ".bind", ctx);
        }
        Integer number = port.number() == null ? 0 : port.number();
        if (!ports.add(number)) {
            ctx.error(path + ".port.number", "ports on IP bound listeners must be unique");
        }
        defaultEndpoint(in.defaultEndpoint(), path + ".defaultEndpoint", ctx);

        ServerTLSSettings tls = in.tls();
        if (tls != null) {
            String at = path + ".tls";
            if (!tls.subjectAltNames().isEmpty()) {
                ctx.error(at + ".subjectAltNames", "subjectAltNames is not supported in ingress tls");
            }
            if (Boolean.TRUE.equals(tls.httpsRedirect())) {
                ctx.error(at + ".httpsRedirect", "httpsRedirect is not supported");
            }
            if (tls.credentialName() != null && !tls.credentialName().isEmpty()) {
                ctx.error(at + ".credentialName", "credentialName is not currently supported");
            }
            if (!tls.credentialNames().isEmpty()) {
                ctx.error(at + ".credentialNames", "credentialNames is not currently supported");
            }
            if (!tls.tlsCertificates().isEmpty()) {
                ctx.error(at + ".tlsCertificates", "tls_certificates is not currently supported");
            }
            if (tls.mode() == ServerTLSSettings.TLSmode.ISTIO_MUTUAL
                    || tls.mode() == ServerTLSSettings.TLSmode.AUTO_PASSTHROUGH) {
                ctx.error(at + ".mode", "configuration is invalid: cannot set mode to " + tls.mode()
                        + " in sidecar ingress tls");
            }
            if (!PortProtocol.parse(port.protocol()).isTls()) {
                ctx.error(at, "server cannot have TLS settings for non HTTPS/TLS ports");
            }
            GatewayValidator.serverTls(tls, at, ctx);
        }

        DestinationRuleValidator.connectionPool(in.connectionPool(), path + ".connectionPool", ctx);
        if (in.connectionPool() != null && in.connectionPool().http() != null
                && !PortProtocol.parse(port.protocol()).isHttp()) {
            ctx.warning(path + ".connectionPool.http", "HTTP connection pool settings are configured for port "
                    + number + " (" + CommonRules.quote(port.name() == null ? "" : port.name())
                    + ") but its protocol is not HTTP (" + (port.protocol() == null ? "" : port.protocol())
                    + "); only TCP settings will apply");
        }
    }

    /** {@code 127.0.0.1:PORT}, {@code 0.0.0.0:PORT}, {@code [::1]:PORT}, {@code [::]:PORT}, {@code :PORT} or a socket. */
    private static void defaultEndpoint(String endpoint, String path, ValidationContext ctx) {
        if (endpoint == null || endpoint.isEmpty()) {
            return;
        }
        if (endpoint.startsWith(WorkloadEntryValidator.UNIX_PREFIX)) {
            CommonRules.unixAddress(endpoint.substring(WorkloadEntryValidator.UNIX_PREFIX.length()), path, ctx);
            return;
        }
        int colon = endpoint.lastIndexOf(':');
        if (colon < 0) {
            ctx.error(path, "address " + endpoint + ": missing port in address");
            return;
        }
        String host = endpoint.substring(0, colon);
        String port = endpoint.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            ctx.error(path, "address " + endpoint + ": too many colons in address");
            return;
        }
        if (!DEFAULT_ENDPOINT_HOSTS.contains(host)) {
            ctx.error(path, "defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,"
                    + "unix://filepath or unset");
        }
        try {
            CommonRules.portNumber(Integer.parseInt(port), path, ctx);
        } catch (NumberFormatException e) {
            ctx.error(path, "defaultEndpoint port (" + port + ") is not a number");
        }
    }

    private static void egressPort(IstioEgressListener egress, String path, Set<Integer> ports, Set<String> sockets,
                                   ValidationContext ctx) {
        SidecarPort port = egress.port();
        String at = path + ".port";
        if (port.targetPort() != null && port.targetPort() > 0) {
            ctx.error(at + ".targetPort", "targetPort has no impact on Sidecars");
        }
        if (port.name() != null && !port.name().isEmpty()) {
            CommonRules.portName(port.name(), at + ".name", ctx);
        }
        CommonRules.protocol(port.protocol(), at + ".protocol", ctx);
        String bind = egress.bind() == null ? "" : egress.bind();
        int number = port.number() == null ? 0 : port.number();
        if (number == 0) {
            // Port 0 means a unix domain socket listener.
            if (!bind.startsWith(WorkloadEntryValidator.UNIX_PREFIX)) {
                ctx.error(path + ".bind", "ports with 0 value must have a unix domain socket bind address");
            } else {
                CommonRules.unixAddress(bind.substring(WorkloadEntryValidator.UNIX_PREFIX.length()), path + ".bind",
                        ctx);
            }
            CaptureMode mode = egress.captureMode();
            if (mode != null && mode != CaptureMode.DEFAULT && mode != CaptureMode.NONE) {
                ctx.error(path + ".captureMode", "captureMode must be DEFAULT/NONE for unix domain socket listeners");
            }
            if (!sockets.add(bind)) {
                ctx.error(path + ".bind", "unix domain socket values for listeners must be unique");
            }
        } else {
            CommonRules.portNumber(number, at + ".number", ctx);
            if (!bind.isEmpty()) {
                CommonRules.ipAddress(bind, path + ".bind", ctx);
            }
            if (!ports.add(number)) {
                ctx.error(at + ".number", "ports on IP bound listeners must be unique");
            }
        }
    }

    /** Each host is {@code namespace/dnsName}; repeated or shadowed hosts are warned about as Istio does. */
    private static void egressHosts(IstioEgressListener egress, String path, ValidationContext ctx) {
        if (egress.hosts().isEmpty()) {
            ctx.error(path, "egress listener must contain at least one host");
            return;
        }
        Map<String, Set<String>> byNamespace = new HashMap<>();
        for (int i = 0; i < egress.hosts().size(); i++) {
            String host = egress.hosts().get(i) == null ? "" : egress.hosts().get(i);
            String at = path + "[" + i + "]";
            int slash = host.indexOf('/');
            if (slash >= 0 && !host.startsWith("~")) {
                String ns = host.substring(0, slash);
                String name = host.substring(slash + 1);
                if (ns.equals(".")) {
                    ns = ctx.namespace();
                }
                Set<String> names = byNamespace.computeIfAbsent(ns, k -> new HashSet<>());
                boolean duplicate = name.equals("*") ? !names.isEmpty() : names.contains(name) || names.contains("*");
                if (duplicate) {
                    ctx.warning(at, "duplicated egress host: " + host);
                }
                names.add(name);
            }
            CommonRules.namespacedHost(host, at, ctx, false);
        }
        if (byNamespace.getOrDefault("*", Set.of()).contains("*") && byNamespace.size() != 1) {
            ctx.warning(path, "`*/*` host select all resources, no other hosts can be added");
        }
    }

    private static void outboundTrafficPolicy(OutboundTrafficPolicy policy, String path, ValidationContext ctx) {
        if (policy == null || policy.egressProxy() == null) {
            return;
        }
        // The proto's zero value is REGISTRY_ONLY, so an unset mode is not ALLOW_ANY.
        if (policy.mode() != OutboundTrafficPolicy.Mode.ALLOW_ANY) {
            ctx.error(path + ".egressProxy", "egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy"
                    + " mode");
            return;
        }
        String host = policy.egressProxy().host();
        String at = path + ".egressProxy";
        // A valid FQDN also passes the destination host rule, so only the rest of the destination is left.
        CommonRules.fqdn(host, at + ".host", ctx);
        Destination proxy = policy.egressProxy();
        if (proxy.port() == null) {
            ctx.error(at + ".port", "egress_proxy port must be non-nil");
            return;
        }
        if (proxy.subset() != null && !proxy.subset().isEmpty()) {
            CommonRules.subsetName(proxy.subset(), at + ".subset", ctx);
        }
        CommonRules.portNumber(proxy.port().number(), at + ".port.number", ctx);
    }
}
