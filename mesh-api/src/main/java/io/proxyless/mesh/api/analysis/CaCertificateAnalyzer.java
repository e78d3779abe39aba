package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.TrafficPolicy;
import java.util.List;

/**
 * Istio's {@code destinationrule.CaCertificateAnalyzer}: a DestinationRule whose top-level {@code tls} (IST0128)
 * or a {@code portLevelSettings} entry's {@code tls} (IST0129) uses mode {@code SIMPLE} or {@code MUTUAL} without
 * {@code caCertificates} does not verify the server's certificate. A {@code credentialName} counts as providing
 * the CA only on a rule with a {@code workloadSelector} (a gateway's rule); subset policies are not looked at.
 */
final class CaCertificateAnalyzer implements Analyzer {

    @Override
    public void analyze(AnalysisInput input, List<Problem> findings) {
        for (Resource<DestinationRule> r : input.<DestinationRule>all(ResourceKind.DESTINATION_RULE)) {
            DestinationRule dr = r.spec();
            TrafficPolicy policy = dr.trafficPolicy();
            if (policy == null) {
                continue;
            }
            ClientTLSSettings tls = policy.tls();
            if (unverified(tls, dr)) {
                findings.add(AnalysisMessage.NO_SERVER_CERTIFICATE_VERIFICATION_DESTINATION_LEVEL.at(r,
                        "spec.trafficPolicy.tls.caCertificates", "DestinationRule " + r.metadata().key()
                                + " in namespace " + r.namespace() + " has TLS mode set to " + tls.mode()
                                + " but no caCertificates are set to validate server identity for host: " + dr.host()));
            }
            for (int i = 0; i < policy.portLevelSettings().size(); i++) {
                TrafficPolicy.PortTrafficPolicy port = policy.portLevelSettings().get(i);
                if (unverified(port.tls(), dr)) {
                    String number = port.port() == null || port.port().number() == null ? "" : "number:"
                            + port.port().number();
                    findings.add(AnalysisMessage.NO_SERVER_CERTIFICATE_VERIFICATION_PORT_LEVEL.at(r,
                            "spec.trafficPolicy.portLevelSettings[" + i + "].tls.caCertificates", "DestinationRule "
                                    + r.metadata().key() + " in namespace " + r.namespace() + " has TLS mode set to "
                                    + port.tls().mode() + " but no caCertificates are set to validate server identity"
                                    + " for host: " + dr.host() + " at port " + number));
                }
            }
        }
    }

    private static boolean unverified(ClientTLSSettings tls, DestinationRule dr) {
        if (tls == null || (tls.mode() != ClientTLSSettings.TLSmode.SIMPLE
                && tls.mode() != ClientTLSSettings.TLSmode.MUTUAL)) {
            return false;
        }
        if (tls.caCertificates() != null && !tls.caCertificates().isEmpty()) {
            return false;
        }
        boolean credential = tls.credentialName() != null && !tls.credentialName().isEmpty();
        return !(credential && dr.workloadSelector() != null);
    }
}
