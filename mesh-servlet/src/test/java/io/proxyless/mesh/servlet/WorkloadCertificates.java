package io.proxyless.mesh.servlet;

import io.proxyless.mesh.runtime.tls.SpiffeId;
import io.proxyless.mesh.runtime.tls.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A mesh's certificates as istiod's CA would issue them: one root, the server workload's files in Istio's layout
 * ({@code cert-chain.pem}, {@code key.pem}, {@code root-cert.pem}) and client contexts for other workloads' SPIFFE
 * identities, from this root or from a foreign one.
 */
final class WorkloadCertificates {
    static final String TRUST_DOMAIN = SpiffeId.DEFAULT_TRUST_DOMAIN;

    private final TestPki.Issued root = TestPki.ca("mesh root");
    private final Path directory;

    private WorkloadCertificates(Path directory) {
        this.directory = directory;
    }

    /**
     * Writes the server workload {@code sa/serviceAccount} of {@code default} into {@code directory}. Besides the
     * SPIFFE URI, its certificate names 127.0.0.1 so that the JDK's client can verify the host it dialled (a
     * sidecar client checks the SPIFFE id instead).
     */
    static WorkloadCertificates issue(Path directory, String serviceAccount) {
        WorkloadCertificates certificates = new WorkloadCertificates(directory);
        certificates.writeServer(serviceAccount);
        return certificates;
    }

    Path directory() {
        return directory;
    }

    /** Re-issues the server's certificate (a rotation) from the same root. */
    void writeServer(String serviceAccount) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TestPki.Issued server = TestPki.leaf(root, serviceAccount,
                List.of("URI:" + identity(serviceAccount), "IP:127.0.0.1"));
        TestPki.write(directory.resolve("cert-chain.pem"), server.certificatePem() + root.certificatePem());
        server.writePrivateKey(directory.resolve("key.pem"));
        root.writeCertificate(directory.resolve("root-cert.pem"));
    }

    /** A client of this mesh with identity {@code sa/serviceAccount} in {@code default}. */
    SSLContext client(String serviceAccount) {
        return client("default", serviceAccount);
    }

    SSLContext client(String namespace, String serviceAccount) {
        TestPki.Issued leaf = TestPki.leaf(root, serviceAccount,
                List.of("URI:" + SpiffeId.of(TRUST_DOMAIN, namespace, serviceAccount)));
        return TestPki.serverContext(leaf, root, root);
    }

    /** A client that trusts this mesh's root but presents a certificate from another CA. */
    SSLContext foreignClient(String serviceAccount) {
        TestPki.Issued otherRoot = TestPki.ca("other root");
        TestPki.Issued leaf = TestPki.leaf(otherRoot, serviceAccount, List.of("URI:" + identity(serviceAccount)));
        return TestPki.serverContext(leaf, root, otherRoot);
    }

    /** A client that trusts this mesh's root and presents no certificate (one-way TLS). */
    SSLContext anonymousClient() {
        try {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("root", root.certificate());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String identity(String serviceAccount) {
        return SpiffeId.of(TRUST_DOMAIN, "default", serviceAccount);
    }
}
