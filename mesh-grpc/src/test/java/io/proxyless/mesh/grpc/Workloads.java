package io.proxyless.mesh.grpc;

import io.proxyless.mesh.runtime.tls.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Workload certificates as Istio mounts them ({@code cert-chain.pem}, {@code key.pem}, {@code root-cert.pem}), one
 * directory per service account, all issued by one mesh root: {@code spiffe://cluster.local/ns/NS/sa/SA}.
 */
final class Workloads {
    private final Path dir;
    private final TestPki.Issued root;

    Workloads(Path dir, String rootName) {
        this.dir = dir;
        this.root = TestPki.ca(rootName);
    }

    static String spiffe(String namespace, String serviceAccount) {
        return "spiffe://cluster.local/ns/" + namespace + "/sa/" + serviceAccount;
    }

    TestPki.Issued root() {
        return root;
    }

    /** A leaf for {@code ns/sa}, not written anywhere. */
    TestPki.Issued leaf(String namespace, String serviceAccount) {
        return TestPki.leaf(root, serviceAccount, List.of("URI:" + spiffe(namespace, serviceAccount)));
    }

    /** The certificate directory of {@code ns/sa}, created with a fresh leaf. */
    Path certificates(String namespace, String serviceAccount) {
        Path certs = dir.resolve(namespace + "-" + serviceAccount);
        try {
            Files.createDirectories(certs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        install(certs, leaf(namespace, serviceAccount));
        return certs;
    }

    /** Writes {@code leaf} into {@code certs} (a rotation when the directory is in use): key first, then chain. */
    void install(Path certs, TestPki.Issued leaf) {
        leaf.writePrivateKey(certs.resolve("key.pem"));
        leaf.writeCertificate(certs.resolve("cert-chain.pem"));
        root.writeCertificate(certs.resolve("root-cert.pem"));
    }
}
