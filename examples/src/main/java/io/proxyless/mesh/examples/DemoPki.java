package io.proxyless.mesh.examples;

import io.proxyless.mesh.runtime.tls.ClientTlsPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * The demo's certificate authority, made at start-up with okhttp-tls: a mesh root and one certificate per
 * workload, written the way Istio mounts workload certificates ({@code cert-chain.pem}, {@code key.pem},
 * {@code root-cert.pem} in one directory per workload).
 *
 * <p>Istio's workload certificates carry a SPIFFE URI ({@code spiffe://cluster.local/ns/default/sa/reviews});
 * okhttp-tls writes DNS and IP names only, so these carry the service's DNS name and the workload's name as
 * common name instead. The example DestinationRules pin no identities ({@code ISTIO_MUTUAL} alone, as in Istio's
 * Bookinfo samples), so a client accepts any server certificate issued by the mesh root, which is what a sidecar
 * does when it knows no service accounts for the destination.
 */
final class DemoPki {
    private final HeldCertificate root;
    private final Path directory;
    private final Map<String, HeldCertificate> workloads = new LinkedHashMap<>();

    private DemoPki(Path directory) {
        this.directory = directory;
        this.root = new HeldCertificate.Builder().certificateAuthority(0).commonName("proxyless mesh demo root")
                .organizationalUnit("cluster.local").build();
    }

    /** A new root; workload certificates go to {@code directory/WORKLOAD/}. */
    static DemoPki create(Path directory) {
        return new DemoPki(directory);
    }

    /** The directory with {@code workload}'s certificate, key and the root, created on first use. */
    synchronized Path workloadDirectory(String workload) {
        Path dir = directory.resolve(workload);
        if (!workloads.containsKey(workload)) {
            HeldCertificate cert = new HeldCertificate.Builder().signedBy(root).commonName(workload)
                    .organizationalUnit("default")
                    .addSubjectAlternativeName(workload + ".default.svc.cluster.local").build();
            workloads.put(workload, cert);
            try {
                Files.createDirectories(dir);
                Files.writeString(dir.resolve(ClientTlsPolicy.CERT_CHAIN), cert.certificatePem());
                Files.writeString(dir.resolve(ClientTlsPolicy.KEY), cert.privateKeyPkcs8Pem());
                Files.writeString(dir.resolve(ClientTlsPolicy.ROOT_CERT), root.certificatePem());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    /** What a server of {@code workload} presents, and the root it checks client certificates against. */
    HandshakeCertificates serverCertificates(String workload) {
        workloadDirectory(workload);
        HeldCertificate cert;
        synchronized (this) {
            cert = workloads.get(workload);
        }
        return new HandshakeCertificates.Builder().heldCertificate(cert).addTrustedCertificate(root.certificate())
                .build();
    }
}
