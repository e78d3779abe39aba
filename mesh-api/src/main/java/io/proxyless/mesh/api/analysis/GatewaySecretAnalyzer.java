package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Gateway;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Server;
import io.proxyless.mesh.api.kubernetes.Pod;
import io.proxyless.mesh.api.kubernetes.Secret;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Istio's {@code gateway.SecretAnalyzer}: the {@code credentialName} of a Gateway server names a Secret in the
 * namespace of the gateway's workload (the first Pod its selector picks; IST0101 {@code selector} when none),
 * which must exist (IST0101 {@code credentialName}) and hold a certificate and key (keys {@code tls.crt} and
 * {@code tls.key}, or {@code cert} and {@code key}) whose certificate parses and is valid now (IST0161).
 * Runs only when the config holds Secrets: config files rarely carry them, and every credential would be reported.
 */
final class GatewaySecretAnalyzer implements Analyzer {

    @Override
    public boolean readsClock() {
        return true; // a certificate valid at one run may have expired at the next
    }

    @Override
    public void analyze(AnalysisInput input, List<Problem> findings) {
        if (input.kubernetes().secrets().isEmpty()) {
            return;
        }
        for (Resource<Gateway> g : input.<Gateway>all(ResourceKind.GATEWAY)) {
            String namespace = input.pods().stream()
                    .filter(p -> Analyzers.selects(g.spec().selector(), p.metadata().labels()))
                    .map(Pod::namespace).findFirst().orElse(null);
            if (namespace == null) {
                findings.add(AnalysisMessage.REFERENCED_RESOURCE_NOT_FOUND.at(g, "spec.selector",
                        AnalysisMessage.notFound("selector", Analyzers.selectorString(g.spec().selector()))));
                continue;
            }
            for (int i = 0; i < g.spec().servers().size(); i++) {
                Server server = g.spec().servers().get(i);
                if (server == null || server.tls() == null || server.tls().credentialName() == null
                        || server.tls().credentialName().isEmpty()) {
                    continue;
                }
                String name = server.tls().credentialName();
                String ns = namespace;
                int slash = name.indexOf('/');
                if (slash >= 0) {
                    ns = name.substring(0, slash);
                    name = name.substring(slash + 1);
                }
                String path = "spec.servers[" + i + "].tls.credentialName";
                Secret secret = find(input, ns, name);
                if (secret == null) {
                    findings.add(AnalysisMessage.REFERENCED_RESOURCE_NOT_FOUND.at(g, path,
                            AnalysisMessage.notFound("credentialName", server.tls().credentialName())));
                } else if (!valid(secret, input.now())) {
                    findings.add(AnalysisMessage.INVALID_GATEWAY_CREDENTIAL.at(g, path, "The credential referenced by"
                            + " the Gateway " + g.name() + " in namespace " + namespace + " is invalid, which can cause"
                            + " the traffic not to work as expected."));
                }
            }
        }
    }

    private static Secret find(AnalysisInput input, String namespace, String name) {
        return input.kubernetes().secrets().stream()
                .filter(s -> s.namespace().equals(namespace) && s.name().equals(name)).findFirst().orElse(null);
    }

    /** A certificate and a key under the TLS or the generic key names, the certificate parseable and current. */
    private static boolean valid(Secret secret, Instant now) {
        Map<String, String> data = secret.data();
        String cert;
        String key;
        if (data.containsKey("tls.crt") || data.containsKey("tls.key")) {
            cert = data.get("tls.crt");
            key = data.get("tls.key");
        } else {
            cert = data.get("cert");
            key = data.get("key");
        }
        if (cert == null || cert.isEmpty() || key == null || key.isEmpty()) {
            return false;
        }
        try {
            byte[] pem = Base64.getMimeDecoder().decode(cert);
            X509Certificate x509 = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem));
            x509.checkValidity(Date.from(now));
            return true;
        } catch (IllegalArgumentException | CertificateException | ClassCastException e) {
            return false;
        }
    }
}
