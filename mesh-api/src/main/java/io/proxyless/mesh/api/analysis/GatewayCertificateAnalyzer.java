package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Gateway;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Server;
import io.proxyless.mesh.api.ServerTLSSettings;
import java.util.List;
import java.util.Map;

/**
 * Istio's {@code gateway.CertificateAnalyzer} (IST0138): two Gateways for the same workloads (the other's selector
 * has every label of this one's; any Gateway when this one selects all) must not serve the same certificate (the
 * same {@code credentialName}, or the same certificate and key files): a client reusing an HTTP/2 connection for
 * the other host would get 404s.
 */
final class GatewayCertificateAnalyzer implements Analyzer {

    @Override
    public void analyze(AnalysisInput input, List<Problem> findings) {
        List<Resource<Gateway>> gateways = input.all(ResourceKind.GATEWAY);
        for (Resource<Gateway> current : gateways) {
            Map<String, String> selector = current.spec().selector();
            for (Resource<Gateway> other : gateways) {
                if (other == current || !(selector.isEmpty() || covers(selector, other.spec().selector()))) {
                    continue;
                }
                for (Server a : current.spec().servers()) {
                    for (Server b : other.spec().servers()) {
                        if (a.tls() != null && b.tls() != null && sameCertificate(a.tls(), b.tls())) {
                            findings.add(AnalysisMessage.GATEWAY_DUPLICATE_CERTIFICATE.at(current, "metadata.name",
                                    "Duplicate certificate in multiple gateways " + Analyzers.goList(List.of(
                                            current.metadata().key(), other.metadata().key()))
                                            + " may cause 404s if clients re-use HTTP2 connections."));
                        }
                    }
                }
            }
        }
    }

    /** Whether {@code y} has every label of {@code x} with the same value. */
    private static boolean covers(Map<String, String> x, Map<String, String> y) {
        for (Map.Entry<String, String> e : x.entrySet()) {
            if (!e.getValue().equals(y.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameCertificate(ServerTLSSettings a, ServerTLSSettings b) {
        boolean aCredential = set(a.credentialName());
        boolean bCredential = set(b.credentialName());
        if (aCredential && bCredential) {
            return a.credentialName().equals(b.credentialName());
        }
        if (aCredential || bCredential) {
            return false;
        }
        return set(a.serverCertificate()) && a.serverCertificate().equals(b.serverCertificate())
                && set(a.privateKey()) && set(b.privateKey()) && a.privateKey().equals(b.privateKey());
    }

    private static boolean set(String s) {
        return s != null && !s.isEmpty();
    }
}
