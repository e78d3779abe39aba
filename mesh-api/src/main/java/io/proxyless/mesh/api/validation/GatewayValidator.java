package io.proxyless.mesh.api.validation;

import io.proxyless.mesh.api.Gateway;
import io.proxyless.mesh.api.Port;
import io.proxyless.mesh.api.Server;
import io.proxyless.mesh.api.ServerTLSSettings;
import io.proxyless.mesh.api.ServerTLSSettings.TLSmode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Istio's Gateway rules ({@code ValidateGateway}). {@link #serverTls} is also used for Sidecar ingress TLS.
 */
final class GatewayValidator {
    /** Cipher suite names Envoy (BoringSSL) accepts, as Istio lists them; anything else is dropped with a warning. */
    private static final Set<String> CIPHER_SUITES = Set.of(
            "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
            "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
            "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES256-SHA",
            "AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA", "AES256-SHA", "DES-CBC3-SHA");

    private GatewayValidator() {
    }

    static void validate(Gateway spec, ValidationContext ctx) {
        String name = ctx.resource().name();
        // Gateways are referred to as namespace/name in VirtualServices, so the name cannot contain dots.
        if (!CommonRules.isDns1123Label(name)) {
            ctx.error("metadata.name", "invalid gateway name: " + CommonRules.quote(name == null ? "" : name));
        }
        if (spec.servers().isEmpty()) {
            ctx.error("spec.servers", "gateway must have at least one server");
        }
        Set<String> portNames = new HashSet<>();
        for (int i = 0; i < spec.servers().size(); i++) {
            Server server = spec.servers().get(i);
            String at = "spec.servers[" + i + "]";
            if (server == null) {
                ctx.error(at, "server may not be nil");
                continue;
            }
            server(server, at, ctx);
            Port port = server.port();
            if (port != null) {
                String portName = port.name() == null ? "" : port.name();
                if (!portNames.add(portName)) {
                    ctx.error(at + ".port.name", "port names in servers must be unique: duplicate name " + portName);
                }
                if (!PortProtocol.parse(port.protocol()).isHttp() && server.tls() != null
                        && Boolean.TRUE.equals(server.tls().httpsRedirect())) {
                    ctx.warning(at + ".tls.httpsRedirect", "tls.httpsRedirect should only be used with http servers");
                }
            }
        }
    }

    private static void server(Server server, String path, ValidationContext ctx) {
        if (server.hosts().isEmpty()) {
            ctx.error(path + ".hosts", "server config must contain at least one host");
        }
        for (int i = 0; i < server.hosts().size(); i++) {
            CommonRules.namespacedHost(server.hosts().get(i), path + ".hosts[" + i + "]", ctx, true);
        }
        String bind = server.bind() == null ? "" : server.bind();
        boolean portOk = serverPort(server.port(), bind, path + ".port", ctx);
        serverBind(server.port(), bind, path, ctx);
        serverTls(server.tls(), path + ".tls", ctx);

        if (portOk) {
            PortProtocol p = PortProtocol.parse(server.port().protocol());
            ServerTLSSettings tls = server.tls();
            if (p.isTls() && tls == null) {
                ctx.error(path + ".tls", "server must have TLS settings for HTTPS/TLS protocols");
            } else if (!p.isTls() && tls != null) {
                if (p.isHttp()) {
                    // Only an httpsRedirect is meaningful on a plain HTTP server.
                    if (!isPassthrough(tls) || notEmpty(tls.caCertificates()) || notEmpty(tls.privateKey())
                            || notEmpty(tls.serverCertificate())) {
                        ctx.error(path + ".tls", "server cannot have TLS settings for plain text HTTP ports");
                    }
                } else {
                    ctx.error(path + ".tls", "server cannot have TLS settings for non HTTPS/TLS ports");
                }
            }
        }
    }

    private static boolean serverPort(Port port, String bind, String path, ValidationContext ctx) {
        if (port == null) {
            ctx.error(path, "port is required");
            return false;
        }
        boolean ok = true;
        if (PortProtocol.parse(port.protocol()) == PortProtocol.UNSUPPORTED) {
            ctx.error(path + ".protocol", "invalid protocol " + CommonRules.quote(port.protocol() == null ? ""
                    : port.protocol()) + ", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL,"
                    + " TCP");
            ok = false;
        }
        // A unix socket listener has no port number.
        boolean hasNumber = port.number() != null && port.number() != 0;
        if (hasNumber || !bind.startsWith(WorkloadEntryValidator.UNIX_PREFIX)) {
            ok &= CommonRules.portNumber(port.number(), path + ".number", ctx);
        }
        if (port.targetPort() != null && port.targetPort() > 0) {
            ctx.error(path + ".targetPort", "targetPort has no impact on Gateways");
            ok = false;
        }
        if (port.name() == null || port.name().isEmpty()) {
            ctx.error(path + ".name", "port name must be set");
            ok = false;
        }
        return ok;
    }

    private static void serverBind(Port port, String bind, String path, ValidationContext ctx) {
        if (bind.startsWith(WorkloadEntryValidator.UNIX_PREFIX)) {
            CommonRules.unixAddress(bind.substring(WorkloadEntryValidator.UNIX_PREFIX.length()), path + ".bind", ctx);
            if (port != null && port.number() != null && port.number() != 0) {
                ctx.error(path + ".port.number", "port number must be 0 for unix domain socket");
            }
        } else if (!bind.isEmpty()) {
            CommonRules.ipAddress(bind, path + ".bind", ctx);
        }
    }

    private static boolean isPassthrough(ServerTLSSettings tls) {
        return tls.mode() == null || tls.mode() == TLSmode.PASSTHROUGH || tls.mode() == TLSmode.AUTO_PASSTHROUGH;
    }

    /** Istio's {@code validateTLSOptions}: certificate sources and modes of a terminating listener. */
    static void serverTls(ServerTLSSettings tls, String path, ValidationContext ctx) {
        if (tls == null) {
            return;
        }
        TLSmode mode = tls.mode() == null ? TLSmode.PASSTHROUGH : tls.mode();
        if ((tls.minProtocolVersion() == ServerTLSSettings.TLSProtocol.TLSV1_0
                || tls.minProtocolVersion() == ServerTLSSettings.TLSProtocol.TLSV1_1) && tls.cipherSuites().isEmpty()) {
            ctx.warning(path + ".minProtocolVersion", "TLS version below TLSV1_2 require setting compatible ciphers as"
                    + " by default they no longer include compatible ciphers.");
        }
        Set<String> invalid = new TreeSet<>();
        Set<String> valid = new HashSet<>();
        Set<String> duplicate = new TreeSet<>();
        for (String cs : tls.cipherSuites()) {
            if (!isValidCipherSuite(cs)) {
                invalid.add(cs);
            } else if (!valid.add(cs)) {
                duplicate.add(cs);
            }
        }
        if (!invalid.isEmpty()) {
            ctx.warning(path + ".cipherSuites", "ignoring invalid cipher suites: " + goList(invalid));
        }
        if (!duplicate.isEmpty()) {
            ctx.warning(path + ".cipherSuites", "ignoring duplicate cipher suites: " + goList(duplicate));
        }

        if (mode == TLSmode.ISTIO_MUTUAL) {
            // Istio supplies the certificates itself; anything given here would be ignored.
            forbid(notEmpty(tls.serverCertificate()), path + ".serverCertificate",
                    "ISTIO_MUTUAL TLS cannot have associated server certificate", ctx);
            forbid(notEmpty(tls.privateKey()), path + ".privateKey",
                    "ISTIO_MUTUAL TLS cannot have associated private key", ctx);
            forbid(notEmpty(tls.caCertificates()), path + ".caCertificates",
                    "ISTIO_MUTUAL TLS cannot have associated CA bundle", ctx);
            forbid(!tls.tlsCertificates().isEmpty(), path + ".tlsCertificates",
                    "ISTIO_MUTUAL TLS cannot have associated tlsCertificates", ctx);
            forbid(notEmpty(tls.credentialName()), path + ".credentialName",
                    "ISTIO_MUTUAL TLS cannot have associated credentialName", ctx);
            forbid(!tls.credentialNames().isEmpty(), path + ".credentialNames",
                    "ISTIO_MUTUAL TLS cannot have associated credentialNames", ctx);
            return;
        }
        if (mode == TLSmode.PASSTHROUGH || mode == TLSmode.AUTO_PASSTHROUGH) {
            if (notEmpty(tls.caCrl()) || notEmpty(tls.serverCertificate()) || notEmpty(tls.privateKey())
                    || notEmpty(tls.caCertificates()) || !tls.tlsCertificates().isEmpty()
                    || notEmpty(tls.credentialName()) || !tls.credentialNames().isEmpty()) {
                ctx.warning(path, mode + " mode does not use certificates, they will be ignored");
            }
        }
        int sources = (notEmpty(tls.serverCertificate()) && notEmpty(tls.privateKey()) ? 1 : 0)
                + (notEmpty(tls.credentialName()) ? 1 : 0) + (tls.credentialNames().isEmpty() ? 0 : 1)
                + (tls.tlsCertificates().isEmpty() ? 0 : 1);
        if (sources > 1) {
            ctx.error(path, "only one of credential_name, credential_names, server_certificate/private_key,"
                    + " tls_certificates should be specified");
        }
        boolean terminates = mode == TLSmode.SIMPLE || mode == TLSmode.MUTUAL || mode == TLSmode.OPTIONAL_MUTUAL;
        if (terminates && (notEmpty(tls.credentialName()) || !tls.credentialNames().isEmpty())) {
            return; // the certificates come from the credential
        }
        if (terminates) {
            String prefix = mode == TLSmode.SIMPLE ? "SIMPLE TLS" : "MUTUAL TLS";
            if (mode != TLSmode.SIMPLE && !notEmpty(tls.caCertificates())) {
                ctx.error(path + ".caCertificates", prefix + " requires a client CA bundle");
            }
            if (tls.tlsCertificates().size() > 2) {
                ctx.warning(path + ".tlsCertificates", prefix + " can support up to 2 server certificates");
            }
            List<String[]> certs = new ArrayList<>();
            if (tls.tlsCertificates().isEmpty()) {
                certs.add(new String[] {tls.serverCertificate(), tls.privateKey(), path});
            } else {
                for (int i = 0; i < tls.tlsCertificates().size(); i++) {
                    ServerTLSSettings.TLSCertificate c = tls.tlsCertificates().get(i);
                    certs.add(new String[] {c == null ? null : c.serverCertificate(), c == null ? null : c.privateKey(),
                            path + ".tlsCertificates[" + i + "]"});
                }
            }
            for (String[] cert : certs) {
                if (!notEmpty(cert[0])) {
                    ctx.error(cert[2] + ".serverCertificate", prefix + " requires a server certificate");
                }
                if (!notEmpty(cert[1])) {
                    ctx.error(cert[2] + ".privateKey", prefix + " requires a private key");
                }
            }
        }
        if (notEmpty(tls.caCrl())) {
            if (notEmpty(tls.credentialName())) {
                ctx.error(path + ".caCrl", "CRL is not supported with credentialName. CRL has to be specified in the"
                        + " credential");
            }
            if (mode == TLSmode.SIMPLE) {
                ctx.error(path + ".caCrl", "CRL is not supported with SIMPLE TLS");
            }
        }
    }

    /** Istio's test: known BoringSSL names, plus expressions starting with an operator ({@code -}, {@code +}, ...). */
    private static boolean isValidCipherSuite(String cs) {
        if (cs == null || cs.isEmpty() || cs.equals("ALL")) {
            return true;
        }
        if (!Character.isLetterOrDigit(cs.codePointAt(0))) {
            return true;
        }
        return CIPHER_SUITES.contains(cs);
    }

    /** A sorted set the way Go prints a slice: {@code [a b]}. */
    private static String goList(Set<String> values) {
        return "[" + String.join(" ", new LinkedHashSet<>(values)) + "]";
    }

    private static void forbid(boolean present, String path, String message, ValidationContext ctx) {
        if (present) {
            ctx.error(path, message);
        }
    }

    private static boolean notEmpty(String s) {
        return s != null && !s.isEmpty();
    }
}
