package io.proxyless.mesh.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PemReaderTest {

    @Test
    void readsEveryCertificateOfABundleIgnoringTextAroundThem() throws Exception {
        TestPki.Issued ca = TestPki.ca("root");
        TestPki.Issued leaf = TestPki.leaf(ca, "leaf", List.of("DNS:leaf"));
        String bundle = "leaf cert follows\n" + leaf.certificatePem() + "\n# and the CA\n" + ca.certificatePem();
        assertThat(PemReader.certificates(bundle)).containsExactly(leaf.certificate(), ca.certificate());
    }

    @Test
    void readsPkcs8EcAndRsaKeys() throws Exception {
        TestPki.Issued ca = TestPki.ca("root");
        TestPki.Issued ec = TestPki.leaf(ca, "ec", List.of());
        TestPki.Issued rsa = TestPki.rsaLeaf(ca, "rsa", List.of());
        assertThat(PemReader.privateKey(ec.privateKeyPem())).isEqualTo(ec.keyPair().getPrivate());
        assertThat(PemReader.privateKey(rsa.privateKeyPem())).isEqualTo(rsa.keyPair().getPrivate());
    }

    @Test
    void readsPkcs1RsaKeys() throws Exception {
        TestPki.Issued rsa = TestPki.rsaLeaf(TestPki.ca("root"), "rsa", List.of());
        byte[] pkcs1 = innerKey(rsa.keyPair().getPrivate().getEncoded());
        PrivateKey key = PemReader.privateKey(TestPki.pem("RSA PRIVATE KEY", pkcs1));
        assertThat(((RSAPrivateCrtKey) key).getModulus())
                .isEqualTo(((RSAPrivateCrtKey) rsa.keyPair().getPrivate()).getModulus());
        assertThat(new KeyMaterial(List.of(rsa.certificate()), key).keyMatchesLeaf()).isTrue();
    }

    @Test
    void readsSec1EcKeysWithNamedCurve() throws Exception {
        TestPki.Issued ec = TestPki.leaf(TestPki.ca("root"), "ec", List.of());
        BigInteger s = ((ECPrivateKey) ec.keyPair().getPrivate()).getS();
        byte[] scalar = fixed(s.toByteArray(), 32);
        byte[] prime256v1 = {0x06, 0x08, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x03, 0x01, 0x07};
        byte[] sec1 = tlv(0x30, concat(new byte[] {0x02, 0x01, 0x01}, tlv(0x04, scalar), tlv(0xA0, prime256v1)));
        PrivateKey key = PemReader.privateKey("-----BEGIN EC PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(sec1) + "\n-----END EC PRIVATE KEY-----\n");
        assertThat(((ECPrivateKey) key).getS()).isEqualTo(s);
        assertThat(new KeyMaterial(List.of(ec.certificate()), key).keyMatchesLeaf()).isTrue();
    }

    @Test
    void encryptedKeysAndGarbageFailWithAClearMessage() {
        assertThatThrownBy(() -> PemReader.privateKey(TestPki.pem("ENCRYPTED PRIVATE KEY", new byte[] {1, 2})))
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("encrypted private keys");
        assertThatThrownBy(() -> PemReader.privateKey("nothing here"))
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("no PRIVATE KEY");
        assertThatThrownBy(() -> PemReader.certificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"))
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("not a valid X.509");
        assertThatThrownBy(() -> PemReader.privateKey(TestPki.pem("PRIVATE KEY", new byte[] {0x30, 0x00})))
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("unsupported or malformed");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() {
        TestPki.Issued ca = TestPki.ca("root");
        TestPki.Issued a = TestPki.leaf(ca, "a", List.of());
        TestPki.Issued b = TestPki.leaf(ca, "b", List.of());
        assertThatThrownBy(() -> KeyMaterial.parse(a.certificatePem(), b.privateKeyPem()))
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("does not belong");
    }

    /** The OCTET STRING content of a PKCS#8 PrivateKeyInfo: the algorithm's own key encoding. */
    static byte[] innerKey(byte[] pkcs8) {
        int[] seq = header(pkcs8, 0);
        int pos = seq[1];
        int[] version = header(pkcs8, pos);
        pos = version[1] + version[2];
        int[] algorithm = header(pkcs8, pos);
        pos = algorithm[1] + algorithm[2];
        int[] octets = header(pkcs8, pos);
        return Arrays.copyOfRange(pkcs8, octets[1], octets[1] + octets[2]);
    }

    /** {tag, contentStart, length}. */
    private static int[] header(byte[] b, int pos) {
        int tag = b[pos] & 0xFF;
        int first = b[pos + 1] & 0xFF;
        int p = pos + 2;
        int len = first;
        if (first >= 0x80) {
            len = 0;
            for (int i = 0; i < (first & 0x7F); i++) {
                len = (len << 8) | (b[p++] & 0xFF);
            }
        }
        return new int[] {tag, p, len};
    }

    private static byte[] fixed(byte[] bigEndian, int size) {
        byte[] out = new byte[size];
        int n = Math.min(size, bigEndian.length);
        System.arraycopy(bigEndian, bigEndian.length - n, out, size - n, n);
        return out;
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        out.write(content.length);
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
