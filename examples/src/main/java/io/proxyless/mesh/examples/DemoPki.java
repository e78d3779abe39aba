package io.proxyless.mesh.examples;

import io.proxyless.mesh.runtime.tls.ClientTlsPolicy;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * The demo's certificate authority, made at start-up (BouncyCastle): a mesh root and one certificate per workload,
 * written the way Istio mounts workload certificates ({@code cert-chain.pem}, {@code key.pem},
 * {@code root-cert.pem} in one directory per workload).
 *
 * <p>As istiod's CA does, each certificate names the workload's SPIFFE identity,
 * {@code spiffe://cluster.local/ns/default/sa/SERVICE_ACCOUNT}, with Bookinfo's service accounts
 * ({@code bookinfo-productpage}, {@code bookinfo-reviews}, …) and {@code sleep} for the sleep client. The mesh's
 * servers read it as the caller's principal, which AuthorizationPolicies match. The example DestinationRules pin no
 * identities ({@code ISTIO_MUTUAL} alone, as in Istio's Bookinfo samples), so a client accepts any server
 * certificate issued by the mesh root, which is what a sidecar does when it knows no service accounts for the
 * destination.
 */
final class DemoPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
    private static final Duration VALIDITY = Duration.ofDays(1);

    private static final X500Name ROOT = new X500Name("CN=proxyless mesh demo root,O=cluster.local");

    private final KeyPair rootKey;
    private final X509Certificate root;
    private final Path directory;
    private final Set<String> issued = new HashSet<>();

    private DemoPki(Path directory) {
        this.directory = directory;
        this.rootKey = keyPair();
        try {
            this.root = sign(builder(ROOT, ROOT, rootKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)));
        } catch (CertIOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new root; workload certificates go to {@code directory/WORKLOAD/}. */
    static DemoPki create(Path directory) {
        return new DemoPki(directory);
    }

    /** The service account a workload of the demo runs as: Bookinfo's sample names them {@code bookinfo-APP}. */
    static String serviceAccount(String workload) {
        return workload.equals("sleep") ? "sleep" : "bookinfo-" + workload;
    }

    /** {@code workload}'s SPIFFE identity, as its certificate carries it. */
    static String spiffeId(String workload) {
        return "spiffe://cluster.local/ns/default/sa/" + serviceAccount(workload);
    }

    /** The directory with {@code workload}'s certificate, key and the root, created on first use. */
    synchronized Path workloadDirectory(String workload) {
        Path dir = directory.resolve(workload);
        if (issued.add(workload)) {
            KeyPair key = keyPair();
            GeneralNames names = new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId(workload)),
                new GeneralName(GeneralName.dNSName, workload + ".default.svc.cluster.local")});
            X509Certificate cert;
            try {
                cert = sign(builder(new X500Name("CN=" + workload + ",O=default"),
                        ROOT, key)
                        .addExtension(Extension.subjectAlternativeName, false, names)
                        .addExtension(Extension.keyUsage, true,
                                new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment)));
            } catch (CertIOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                Files.createDirectories(dir);
                Files.writeString(dir.resolve(ClientTlsPolicy.CERT_CHAIN), pem(cert) + pem(root));
                Files.writeString(dir.resolve(ClientTlsPolicy.KEY),
                        pem(new PemObject("PRIVATE KEY", key.getPrivate().getEncoded()))); // PKCS#8
                Files.writeString(dir.resolve(ClientTlsPolicy.ROOT_CERT), pem(root));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    private static JcaX509v3CertificateBuilder builder(X500Name subject, X500Name issuer, KeyPair key) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALIDITY)), subject,
                key.getPublic());
    }

    /** Signs with the root's key (the root signs itself: it is built with its own key). */
    private X509Certificate sign(X509v3CertificateBuilder builder) {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(rootKey.getPrivate())));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("the demo CA could not sign a certificate", e);
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(Object value) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
