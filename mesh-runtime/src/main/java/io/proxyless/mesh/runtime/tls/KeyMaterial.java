package io.proxyless.mesh.runtime.tls;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A certificate chain (leaf first) with the private key of its leaf.
 *
 * @param chain the certificates, leaf first
 * @param key   the leaf's private key
 */
public record KeyMaterial(List<X509Certificate> chain, PrivateKey key) {
    public KeyMaterial {
        chain = List.copyOf(chain);
        Objects.requireNonNull(key, "key");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("empty certificate chain");
        }
    }

    /** Parses PEM texts; fails unless the key belongs to the leaf certificate. */
    public static KeyMaterial parse(String chainPem, String keyPem) throws TlsConfigException {
        KeyMaterial m = new KeyMaterial(PemReader.certificates(chainPem), PemReader.privateKey(keyPem));
        if (!m.keyMatchesLeaf()) {
            throw new TlsConfigException("the private key does not belong to the certificate "
                    + m.leaf().getSubjectX500Principal());
        }
        return m;
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /**
     * True when the key signs what the leaf's public key verifies. Guards against a half-rotated pair (new
     * certificate written, key not yet), which would otherwise fail every handshake until the key arrives.
     */
    public boolean keyMatchesLeaf() {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519" -> "Ed25519";
            case "Ed448" -> "Ed448";
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true; // cannot check; let the handshake decide
        }
        try {
            byte[] probe = "proxyless-mesh key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf().getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
