package io.proxyless.mesh.runtime.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * Test certificates made with the JDK alone: a tiny DER writer for X.509 v3 certificates with DNS, URI (SPIFFE)
 * and IP subject alternative names, CA or leaf, any validity window. Keys are EC P-256 (or RSA 2048 on request).
 *
 * <pre>{@code
 * TestPki.Issued ca = TestPki.ca("mesh root");
 * TestPki.Issued server = TestPki.leaf(ca, "reviews", List.of("URI:spiffe://cluster.local/ns/default/sa/reviews"));
 * }</pre>
 */
public final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();

    private TestPki() {
    }

    /** A key pair with its certificate. */
    public record Issued(KeyPair keyPair, X509Certificate certificate) {
        public String certificatePem() {
            return pem("CERTIFICATE", encoded(certificate));
        }

        /** PKCS#8 ({@code PRIVATE KEY}). */
        public String privateKeyPem() {
            return pem("PRIVATE KEY", keyPair.getPrivate().getEncoded());
        }

        public void writeCertificate(Path file) {
            write(file, certificatePem());
        }

        public void writePrivateKey(Path file) {
            write(file, privateKeyPem());
        }
    }

    /**
     * A server's TLS context: it presents {@code certificate} (with {@code chain} after it, e.g. the issuing CA)
     * and trusts client certificates issued by {@code trustedClientCa}, if given. For TLS upstreams in tests:
     * {@code HttpUpstream.startHttps(name, TestPki.serverContext(leaf, root), true)}.
     */
    public static SSLContext serverContext(Issued certificate, Issued trustedClientCa, Issued... chain) {
        try {
            char[] password = "test".toCharArray();
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            Certificate[] presented = new Certificate[chain.length + 1];
            presented[0] = certificate.certificate();
            for (int i = 0; i < chain.length; i++) {
                presented[i + 1] = chain[i].certificate();
            }
            keys.setKeyEntry("server", certificate.keyPair().getPrivate(), password, presented);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            TrustManager[] trust = null;
            if (trustedClientCa != null) {
                KeyStore trusted = KeyStore.getInstance("PKCS12");
                trusted.load(null, null);
                trusted.setCertificateEntry("ca", trustedClientCa.certificate());
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trusted);
                trust = tmf.getTrustManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), trust, null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Issued ca(String commonName) {
        KeyPair kp = ecKeyPair();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return sign(kp, commonName, null, List.of(), true, now.minus(1, ChronoUnit.HOURS),
                now.plus(1, ChronoUnit.DAYS));
    }

    public static Issued leaf(Issued ca, String commonName, List<String> sans) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return leaf(ca, commonName, sans, now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.DAYS));
    }

    public static Issued leaf(Issued ca, String commonName, List<String> sans, Instant notBefore, Instant notAfter) {
        return sign(ecKeyPair(), commonName, ca, sans, false, notBefore, notAfter);
    }

    /** A leaf with an RSA key (for PKCS#1 tests). */
    public static Issued rsaLeaf(Issued ca, String commonName, List<String> sans) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return sign(rsaKeyPair(), commonName, ca, sans, false, now.minus(1, ChronoUnit.HOURS),
                now.plus(1, ChronoUnit.DAYS));
    }

    public static String pem(String label, byte[] der) {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + b64 + "\n-----END " + label + "-----\n";
    }

    public static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair ecKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair rsaKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- X.509 v3 in DER ---

    private static final byte[] ECDSA_SHA256 = {0x30, 0x0A, 0x06, 0x08, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D,
        0x04, 0x03, 0x02};
    private static final byte[] RSA_SHA256 = {0x30, 0x0D, 0x06, 0x09, 0x2A, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00};
    private static final byte[] CN = {0x06, 0x03, 0x55, 0x04, 0x03};
    private static final byte[] BASIC_CONSTRAINTS = {0x06, 0x03, 0x55, 0x1D, 0x13};
    private static final byte[] KEY_USAGE = {0x06, 0x03, 0x55, 0x1D, 0x0F};
    private static final byte[] SUBJECT_ALT_NAME = {0x06, 0x03, 0x55, 0x1D, 0x11};
    private static final byte[] TRUE = {0x01, 0x01, (byte) 0xFF};

    private static Issued sign(KeyPair kp, String commonName, Issued issuer, List<String> sans, boolean ca,
                               Instant notBefore, Instant notAfter) {
        try {
            KeyPair signer = issuer == null ? kp : issuer.keyPair();
            boolean rsa = signer.getPrivate().getAlgorithm().equals("RSA");
            byte[] algorithm = rsa ? RSA_SHA256 : ECDSA_SHA256;
            byte[] subject = name(commonName);
            byte[] issuerName = issuer == null ? subject : issuer.certificate().getSubjectX500Principal().getEncoded();
            byte[] serial = new BigInteger(63, RANDOM).add(BigInteger.ONE).toByteArray();

            ByteArrayOutputStream extensions = new ByteArrayOutputStream();
            extensions.writeBytes(tlv(0x30, concat(BASIC_CONSTRAINTS, TRUE,
                    tlv(0x04, tlv(0x30, ca ? TRUE : new byte[0])))));
            if (ca) {
                // keyCertSign | cRLSign
                extensions.writeBytes(tlv(0x30, concat(KEY_USAGE, TRUE, tlv(0x04, new byte[] {0x03, 0x02, 0x01,
                    0x06}))));
            }
            if (!sans.isEmpty()) {
                ByteArrayOutputStream names = new ByteArrayOutputStream();
                for (String san : sans) {
                    names.writeBytes(generalName(san));
                }
                extensions.writeBytes(tlv(0x30, concat(SUBJECT_ALT_NAME,
                        tlv(0x04, tlv(0x30, names.toByteArray())))));
            }
            byte[] tbs = tlv(0x30, concat(
                    tlv(0xA0, tlv(0x02, new byte[] {0x02})),
                    tlv(0x02, serial),
                    algorithm,
                    issuerName,
                    tlv(0x30, concat(time(notBefore), time(notAfter))),
                    subject,
                    kp.getPublic().getEncoded(),
                    tlv(0xA3, tlv(0x30, extensions.toByteArray()))));
            Signature s = Signature.getInstance(rsa ? "SHA256withRSA" : "SHA256withECDSA");
            s.initSign(signer.getPrivate());
            s.update(tbs);
            byte[] sig = s.sign();
            byte[] bitString = new byte[sig.length + 1];
            System.arraycopy(sig, 0, bitString, 1, sig.length);
            byte[] der = tlv(0x30, concat(tbs, algorithm, tlv(0x03, bitString)));
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            return new Issued(kp, cert);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] generalName(String san) throws IOException {
        int colon = san.indexOf(':');
        String type = san.substring(0, colon);
        String value = san.substring(colon + 1);
        return switch (type) {
            case "DNS" -> tlv(0x82, value.getBytes(StandardCharsets.US_ASCII));
            case "URI" -> tlv(0x86, value.getBytes(StandardCharsets.US_ASCII));
            case "IP" -> tlv(0x87, InetAddress.getByName(value).getAddress());
            default -> throw new IllegalArgumentException("SAN type " + type);
        };
    }

    private static byte[] name(String commonName) {
        return tlv(0x30, tlv(0x31, tlv(0x30, concat(CN, tlv(0x0C,
                commonName.getBytes(StandardCharsets.UTF_8))))));
    }

    private static byte[] time(Instant t) {
        if (t.atZone(ZoneOffset.UTC).getYear() < 2050) {
            String s = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(t);
            return tlv(0x17, s.getBytes(StandardCharsets.US_ASCII));
        }
        String s = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(t);
        return tlv(0x18, s.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
