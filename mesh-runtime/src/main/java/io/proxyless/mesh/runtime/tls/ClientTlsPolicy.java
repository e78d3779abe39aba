package io.proxyless.mesh.runtime.tls;

import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.api.ClientTLSSettings.TLSmode;
import io.proxyless.mesh.runtime.model.UpstreamTls;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.registry.MeshService;
import io.proxyless.mesh.runtime.registry.ServicePortSpec;
import io.proxyless.mesh.runtime.routing.Cluster;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What TLS towards one cluster must look like, resolved from the DestinationRule's {@code tls} the way istiod
 * builds the sidecar's upstream TLS context ({@code cluster_tls.go}). Value-equal, so identical policies share
 * one {@link ClientTlsContext} (and thus one connection pool key) across config reloads.
 *
 * <ul>
 *   <li><b>SIMPLE / MUTUAL</b>: roots from {@code caCertificates}, else the JDK's defaults (Envoy's "system").
 *       SNI: {@code sni}, else the request's host (Envoy's auto SNI). Names: {@code subjectAltNames}; when both
 *       {@code sni} and {@code subjectAltNames} are unset, the server must be valid for the request's host (auto
 *       SAN validation); when only {@code sni} is set, the ServiceEntry's {@code subjectAltNames} and the
 *       workloads' SPIFFE identities (istiod copies a ServiceEntry's service accounts in), else no name check.
 *       {@code insecureSkipVerify} turns all server verification off. MUTUAL needs {@code clientCertificate}
 *       and {@code privateKey}.</li>
 *   <li><b>ISTIO_MUTUAL</b>: {@code cert-chain.pem}, {@code key.pem} and {@code root-cert.pem} from the
 *       configured directory; SNI {@code sni}, else {@code outbound_.PORT_.SUBSET_.HOST} (which has underscores,
 *       so it is kept in the policy but not sent: JSSE servers refuse such names); names
 *       {@code subjectAltNames}, else the service's identities — {@code spiffe://TD/ns/NS/sa/SA} of each
 *       endpoint's {@code serviceAccount} plus the ServiceEntry's {@code subjectAltNames}; with none, any
 *       certificate from the mesh root is accepted (as Envoy does with an empty SAN list).</li>
 * </ul>
 *
 * @param cluster            the cluster name, for messages
 * @param mode               SIMPLE, MUTUAL or ISTIO_MUTUAL
 * @param clientCertificate  client certificate chain file, or null (SIMPLE)
 * @param privateKey         client key file, or null (SIMPLE)
 * @param caCertificates     CA bundle file, or null for the JDK's default roots
 * @param sni                SNI to send, or null to send the request's host
 * @param subjectAltNames    names of which the server certificate must carry one; empty: no name check (unless
 *                           auto SAN validation)
 * @param autoSanValidation  the server certificate must be valid for the request's host
 * @param insecureSkipVerify no server verification at all
 */
public record ClientTlsPolicy(String cluster, TLSmode mode, Path clientCertificate, Path privateKey,
                              Path caCertificates, String sni, List<String> subjectAltNames,
                              boolean autoSanValidation, boolean insecureSkipVerify) {

    /** File names of Istio's workload certificates (as mounted at {@code /etc/certs}). */
    public static final String CERT_CHAIN = "cert-chain.pem";
    public static final String KEY = "key.pem";
    public static final String ROOT_CERT = "root-cert.pem";

    public ClientTlsPolicy {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(mode, "mode");
        subjectAltNames = List.copyOf(subjectAltNames);
    }

    /**
     * The policy for {@code cluster}, or null when its traffic is plain text (no {@code tls} or
     * {@code mode: DISABLE}).
     *
     * @param service           the cluster's service (for identities), or null
     * @param istioCertificates directory with Istio's workload certificates, or null when not known yet (the
     *                          ISTIO_MUTUAL policy then names no files; {@link ClientTlsContexts} fills in its own)
     * @param trustDomain       the mesh trust domain for SPIFFE identities
     * @throws TlsConfigException when the settings cannot be carried out (MUTUAL without files)
     */
    public static ClientTlsPolicy resolve(Cluster cluster, MeshService service, Path istioCertificates,
                                          String trustDomain) throws TlsConfigException {
        return resolve(cluster.key(), cluster.host(), cluster.subset(), cluster.port(),
                cluster.policy() == null ? null : cluster.policy().tls(), service, istioCertificates, trustDomain);
    }

    /**
     * Like {@link #resolve(Cluster, MeshService, Path, String)}, for a cluster being compiled.
     *
     * @param key  the cluster's name
     * @param host its service host
     * @param subset its subset, or null
     * @param port its service port
     * @param tls  the DestinationRule {@code tls} in force for it, or null
     */
    public static ClientTlsPolicy resolve(String key, String host, String subset, int port, ClientTLSSettings tls,
                                          MeshService service, Path istioCertificates, String trustDomain)
            throws TlsConfigException {
        if (tls == null || tls.mode() == null || tls.mode() == TLSmode.DISABLE) {
            return null;
        }
        boolean skip = Boolean.TRUE.equals(tls.insecureSkipVerify());
        String sni = empty(tls.sni()) ? null : tls.sni();
        switch (tls.mode()) {
            case ISTIO_MUTUAL: {
                List<String> sans = !tls.subjectAltNames().isEmpty() ? tls.subjectAltNames()
                        : identities(service, trustDomain);
                ClientTlsPolicy policy = new ClientTlsPolicy(key, TLSmode.ISTIO_MUTUAL, null, null, null,
                        sni != null ? sni : istioSni(port, subset, host), sans, false, false);
                return istioCertificates == null ? policy : policy.withIstioCertificates(istioCertificates);
            }
            case SIMPLE:
            case MUTUAL: {
                boolean mutual = tls.mode() == TLSmode.MUTUAL;
                if (mutual && (empty(tls.clientCertificate()) || empty(tls.privateKey()))) {
                    throw new TlsConfigException(key + ": DestinationRule tls mode MUTUAL needs "
                            + "clientCertificate and privateKey files (credentialName is not read by clients)");
                }
                boolean autoSan = sni == null && tls.subjectAltNames().isEmpty() && !skip;
                List<String> sans = autoSan ? List.of()
                        : !tls.subjectAltNames().isEmpty() ? tls.subjectAltNames() : identities(service, trustDomain);
                return new ClientTlsPolicy(key, tls.mode(),
                        mutual ? Path.of(tls.clientCertificate()) : null, mutual ? Path.of(tls.privateKey()) : null,
                        empty(tls.caCertificates()) ? null : Path.of(tls.caCertificates()), sni,
                        skip ? List.of() : sans, autoSan, skip);
            }
            default:
                return null;
        }
    }

    /**
     * The policy of an Envoy-shaped cluster's upstream TLS, or null for plain text. As for a DestinationRule,
     * SIMPLE and MUTUAL without SNI and without names validate the server against the request's host; ISTIO_MUTUAL
     * without SNI sends Istio's {@code outbound_.PORT_.SUBSET_.HOST} when the cluster stands for an Istio service.
     *
     * @param cluster the cluster's name
     * @param key     the service, port and subset it stands for, or null
     */
    public static ClientTlsPolicy of(String cluster, io.proxyless.mesh.runtime.model.ClusterKey key, UpstreamTls tls) {
        if (tls == null) {
            return null;
        }
        boolean skip = tls.insecureSkipVerify();
        return switch (tls.mode()) {
            case ISTIO_MUTUAL -> new ClientTlsPolicy(cluster, TLSmode.ISTIO_MUTUAL, null, null, null,
                    tls.sni() != null ? tls.sni() : key == null ? null : istioSni(key.port(), key.subset(), key.host()),
                    tls.subjectAltNames(), false, false);
            case SIMPLE, MUTUAL -> {
                boolean autoSan = tls.sni() == null && tls.subjectAltNames().isEmpty() && !skip;
                yield new ClientTlsPolicy(cluster, tls.mode() == UpstreamTls.Mode.MUTUAL ? TLSmode.MUTUAL
                        : TLSmode.SIMPLE, tls.clientCertificate(), tls.privateKey(), tls.caCertificates(), tls.sni(),
                        skip ? List.of() : tls.subjectAltNames(), autoSan, skip);
            }
        };
    }

    /** This ISTIO_MUTUAL policy with the workload certificate files of {@code directory}. */
    public ClientTlsPolicy withIstioCertificates(Path directory) {
        return new ClientTlsPolicy(cluster, mode, directory.resolve(CERT_CHAIN), directory.resolve(KEY),
                directory.resolve(ROOT_CERT), sni, subjectAltNames, autoSanValidation, insecureSkipVerify);
    }

    /** True for ISTIO_MUTUAL before the workload certificate directory is known. */
    public boolean needsIstioCertificates() {
        return mode == TLSmode.ISTIO_MUTUAL && clientCertificate == null;
    }

    /** Where the server's chain is verified against, for messages. */
    public String trustSource() {
        return caCertificates == null ? "the JDK's default CA certificates" : caCertificates.toString();
    }

    /** Istio's SNI for in-mesh mTLS: {@code outbound_.PORT_.SUBSET_.HOST}. */
    public static String istioSni(Cluster cluster) {
        return istioSni(cluster.port(), cluster.subset(), cluster.host());
    }

    /** Istio's SNI for in-mesh mTLS to {@code host}'s {@code port}, {@code subset} (may be null). */
    public static String istioSni(int port, String subset, String host) {
        return "outbound_." + port + "_." + (subset == null ? "" : subset) + "_." + host;
    }

    /**
     * The service's identities as istiod lists them for a ServiceEntry: its {@code subjectAltNames} and the
     * SPIFFE identity of every endpoint's service account, sorted and without duplicates.
     */
    public static List<String> identities(MeshService service, String trustDomain) {
        if (service == null) {
            return List.of();
        }
        TreeSet<String> out = new TreeSet<>(service.subjectAltNames());
        for (ServicePortSpec port : service.ports()) {
            for (Endpoint e : service.endpoints(port.number())) {
                if (e.serviceAccount() != null && !e.serviceAccount().isEmpty()) {
                    out.add(SpiffeId.of(trustDomain, service.namespace(), e.serviceAccount()));
                }
            }
        }
        return List.copyOf(out);
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }
}
