package io.proxyless.mesh.runtime.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM text: X.509 certificates and private keys in PKCS#8 ({@code PRIVATE KEY}), PKCS#1
 * ({@code RSA PRIVATE KEY}) and SEC 1 ({@code EC PRIVATE KEY}) form. Encrypted keys are not supported (Istio's
 * file settings hold plain keys, as Envoy reads them).
 *
 * <pre>{@code
 * List<X509Certificate> chain = PemReader.certificates(Files.readString(Path.of("cert-chain.pem")));
 * PrivateKey key = PemReader.privateKey(Files.readString(Path.of("key.pem")));
 * }</pre>
 */
public final class PemReader {

    // DER of the algorithm OIDs used to wrap PKCS#1 and SEC 1 keys into PKCS#8.
    private static final byte[] RSA_ENCRYPTION = {0x06, 0x09, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7,
        0x0D, 0x01, 0x01, 0x01};
    private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02, 0x01};
    private static final byte[] DER_NULL = {0x05, 0x00};
    private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "EdDSA", "RSASSA-PSS", "XDH", "DSA"};

    private PemReader() {
    }

    /** One PEM block: its label ({@code CERTIFICATE}, {@code PRIVATE KEY}, …) and decoded bytes. */
    public record Block(String label, byte[] der) {
    }

    /** All PEM blocks in {@code text}, in order; text outside blocks is ignored. */
    public static List<Block> blocks(String text) throws TlsConfigException {
        List<Block> out = new ArrayList<>();
        int from = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", from);
            if (begin < 0) {
                return out;
            }
            int labelEnd = text.indexOf("-----", begin + 11);
            if (labelEnd < 0) {
                throw new TlsConfigException("malformed PEM: unterminated BEGIN line");
            }
            String label = text.substring(begin + 11, labelEnd);
            String endMarker = "-----END " + label + "-----";
            int end = text.indexOf(endMarker, labelEnd + 5);
            if (end < 0) {
                throw new TlsConfigException("malformed PEM: no \"" + endMarker + "\"");
            }
            String body = text.substring(labelEnd + 5, end);
            if (body.contains(":")) {
                throw new TlsConfigException("PEM block " + label + " has headers (encrypted?); not supported");
            }
            try {
                out.add(new Block(label, Base64.getMimeDecoder().decode(body.strip())));
            } catch (IllegalArgumentException e) {
                throw new TlsConfigException("PEM block " + label + " is not valid base64", e);
            }
            from = end + endMarker.length();
        }
    }

    /** The certificates in {@code pem} (other blocks ignored); at least one. */
    public static List<X509Certificate> certificates(String pem) throws TlsConfigException {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(pem)) {
                if (b.label().equals("CERTIFICATE") || b.label().equals("X509 CERTIFICATE")
                        || b.label().equals("TRUSTED CERTIFICATE")) {
                    out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException("not a valid X.509 certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new TlsConfigException("no CERTIFICATE block found");
        }
        return List.copyOf(out);
    }

    /** The first private key in {@code pem}. */
    public static PrivateKey privateKey(String pem) throws TlsConfigException {
        for (Block b : blocks(pem)) {
            switch (b.label()) {
                case "PRIVATE KEY":
                    return pkcs8(b.der());
                case "RSA PRIVATE KEY":
                    return pkcs8(wrap(seq(RSA_ENCRYPTION, DER_NULL), b.der()));
                case "EC PRIVATE KEY":
                    return pkcs8(wrap(seq(EC_PUBLIC_KEY, curveOf(b.der())), b.der()));
                case "ENCRYPTED PRIVATE KEY":
                    throw new TlsConfigException("encrypted private keys are not supported; give the key unencrypted");
                default:
                    break;
            }
        }
        throw new TlsConfigException("no PRIVATE KEY block found");
    }

    private static PrivateKey pkcs8(byte[] der) throws TlsConfigException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | RuntimeException e) {
                // not this algorithm; try the next
            }
        }
        throw new TlsConfigException("unsupported or malformed private key (tried " + String.join(", ",
                KEY_ALGORITHMS) + ")");
    }

    /** PKCS#8 PrivateKeyInfo: version 0, the algorithm identifier, the key as an OCTET STRING. */
    private static byte[] wrap(byte[] algorithmIdentifier, byte[] key) {
        return tlv(0x30, concat(VERSION_0, algorithmIdentifier, tlv(0x04, key)));
    }

    private static byte[] seq(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    /** The named-curve OID (as a DER TLV) in the {@code [0] parameters} of a SEC 1 ECPrivateKey. */
    private static byte[] curveOf(byte[] sec1) throws TlsConfigException {
        Der outer = new Der(sec1, 0);
        if (outer.tag != 0x30) {
            throw new TlsConfigException("EC PRIVATE KEY is not a DER SEQUENCE");
        }
        int pos = outer.contentStart;
        int end = outer.contentStart + outer.length;
        while (pos < end) {
            Der element = new Der(sec1, pos);
            if (element.tag == 0xA0) {
                Der oid = new Der(sec1, element.contentStart);
                if (oid.tag == 0x06) {
                    return java.util.Arrays.copyOfRange(sec1, element.contentStart, oid.end());
                }
            }
            pos = element.end();
        }
        throw new TlsConfigException("EC PRIVATE KEY without named-curve parameters; use a PKCS#8 key");
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

    /** One DER tag-length header. */
    private static final class Der {
        final int tag;
        final int length;
        final int contentStart;

        Der(byte[] buf, int pos) throws TlsConfigException {
            if (pos + 2 > buf.length) {
                throw new TlsConfigException("truncated DER");
            }
            tag = buf[pos] & 0xFF;
            int first = buf[pos + 1] & 0xFF;
            int p = pos + 2;
            if (first < 0x80) {
                length = first;
            } else {
                int bytes = first & 0x7F;
                if (bytes == 0 || bytes > 3 || p + bytes > buf.length) {
                    throw new TlsConfigException("unsupported DER length");
                }
                int n = 0;
                for (int i = 0; i < bytes; i++) {
                    n = (n << 8) | (buf[p++] & 0xFF);
                }
                length = n;
            }
            contentStart = p;
            if (contentStart + length > buf.length) {
                throw new TlsConfigException("truncated DER");
            }
        }

        int end() {
            return contentStart + length;
        }
    }
}
