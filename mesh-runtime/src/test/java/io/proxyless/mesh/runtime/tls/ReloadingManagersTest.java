package io.proxyless.mesh.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.runtime.testing.FakeClock;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadingManagersTest {
    private final FakeClock clock = new FakeClock();

    @TempDir
    Path dir;

    @Test
    void keyManagerServesTheNewPairAfterTheFilesChange() throws Exception {
        TestPki.Issued ca = TestPki.ca("root");
        TestPki.Issued first = TestPki.leaf(ca, "first", List.of());
        TestPki.Issued second = TestPki.leaf(ca, "second", List.of());
        Path cert = dir.resolve("cert-chain.pem");
        Path key = dir.resolve("key.pem");
        first.writeCertificate(cert);
        first.writePrivateKey(key);
        ReloadingKeyManager km = ReloadingKeyManager.load(cert, key, Duration.ofSeconds(1), clock::nanoTime);
        String alias = km.chooseClientAlias(new String[] {"EC"}, null, null);
        assertThat(km.getCertificateChain(alias)).containsExactly(first.certificate());

        second.writeCertificate(cert);
        second.writePrivateKey(key);
        clock.advance(Duration.ofMillis(999));
        assertThat(km.getCertificateChain(km.chooseClientAlias(new String[] {"EC"}, null, null)))
                .as("files are looked at once per interval, on the mesh clock").containsExactly(first.certificate());
        first.writePrivateKey(key);
        clock.advance(Duration.ofMillis(1));
        String halfRotated = km.chooseClientAlias(new String[] {"EC"}, null, null);
        assertThat(km.getCertificateChain(halfRotated)).as("certificate without its key: keep the old pair")
                .containsExactly(first.certificate());

        second.writePrivateKey(key);
        clock.advance(Duration.ofSeconds(1));
        String rotated = km.chooseClientAlias(new String[] {"EC"}, null, null);
        assertThat(km.getCertificateChain(rotated)).containsExactly(second.certificate());
        assertThat(km.getPrivateKey(rotated)).isEqualTo(second.keyPair().getPrivate());
        assertThat(km.getCertificateChain(alias)).as("a handshake that chose the old alias still finishes")
                .isNotNull();
    }

    @Test
    void keyManagerOffersNoAliasForAKeyTypeItDoesNotHave() throws Exception {
        TestPki.Issued ec = TestPki.leaf(TestPki.ca("root"), "ec", List.of());
        ec.writeCertificate(dir.resolve("c.pem"));
        ec.writePrivateKey(dir.resolve("k.pem"));
        ReloadingKeyManager km = ReloadingKeyManager.load(dir.resolve("c.pem"), dir.resolve("k.pem"),
                Duration.ofSeconds(1));
        assertThat(km.chooseClientAlias(new String[] {"RSA"}, null, null)).isNull();
        assertThat(km.chooseServerAlias("EC", null, null)).isNull();
    }

    @Test
    void missingFilesFailAtLoadNamingTheFile() {
        assertThatThrownBy(() -> ReloadingKeyManager.load(dir.resolve("nope.pem"), dir.resolve("k.pem"),
                Duration.ofSeconds(1))).isInstanceOf(TlsConfigException.class).hasMessageContaining("nope.pem");
        assertThatThrownBy(() -> ReloadingTrustManager.load(dir.resolve("ca.pem"), Duration.ofSeconds(1)))
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("ca.pem");
    }

    @Test
    void trustManagerTrustsTheNewRootAfterTheBundleChanges() throws Exception {
        TestPki.Issued oldRoot = TestPki.ca("old root");
        TestPki.Issued newRoot = TestPki.ca("new root");
        X509Certificate[] byNewRoot = {TestPki.leaf(newRoot, "server", List.of("DNS:server")).certificate()};
        Path bundle = dir.resolve("root-cert.pem");
        oldRoot.writeCertificate(bundle);
        ReloadingTrustManager tm = ReloadingTrustManager.load(bundle, Duration.ofSeconds(1), clock::nanoTime);
        assertThatThrownBy(() -> tm.checkServerTrusted(byNewRoot, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
        TestPki.write(bundle, oldRoot.certificatePem() + newRoot.certificatePem());
        clock.advance(Duration.ofSeconds(1));
        tm.checkServerTrusted(byNewRoot, "ECDHE_ECDSA");
        assertThat(tm.getAcceptedIssuers()).hasSize(2);
    }
}
