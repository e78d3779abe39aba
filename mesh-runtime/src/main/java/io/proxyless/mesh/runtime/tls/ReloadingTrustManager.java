package io.proxyless.mesh.runtime.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificate-chain validation (PKIX, the JDK's own) against the CA certificates of a PEM bundle that is re-read
 * when it changes, or against the JDK's default roots ({@link #system()}). Checks only the chain and validity;
 * names are checked by {@link MeshTrustManager}.
 *
 * <pre>{@code
 * X509ExtendedTrustManager roots = ReloadingTrustManager.load(Path.of("root-cert.pem"), Duration.ofSeconds(1));
 * }</pre>
 */
public final class ReloadingTrustManager extends X509ExtendedTrustManager {
    private static final Logger log = LoggerFactory.getLogger(ReloadingTrustManager.class);

    private final WatchedFiles file;
    private volatile X509ExtendedTrustManager delegate;

    private ReloadingTrustManager(WatchedFiles file, X509ExtendedTrustManager delegate) {
        this.file = file;
        this.delegate = delegate;
    }

    /** Trusts the CA certificates in {@code caBundle}, re-reading it when it changes. */
    public static ReloadingTrustManager load(Path caBundle, Duration checkInterval) throws TlsConfigException {
        return load(caBundle, checkInterval, System::nanoTime);
    }

    /** Like {@link #load(Path, Duration)}, timing the checks on {@code nanoTime} (the mesh clock). */
    public static ReloadingTrustManager load(Path caBundle, Duration checkInterval, LongSupplier nanoTime)
            throws TlsConfigException {
        WatchedFiles file;
        try {
            file = new WatchedFiles(List.of(caBundle), checkInterval, nanoTime);
        } catch (IOException e) {
            throw new TlsConfigException("cannot read CA certificates " + caBundle + ": " + e, e);
        }
        try {
            return new ReloadingTrustManager(file, forCertificates(PemReader.certificates(file.text(0))));
        } catch (TlsConfigException e) {
            throw new TlsConfigException(caBundle + ": " + e.getMessage(), e);
        }
    }

    /** The JDK's default trust (its {@code cacerts}), what Envoy's "system" CA means here. */
    public static X509ExtendedTrustManager system() throws TlsConfigException {
        return fromFactory(null);
    }

    /** A PKIX trust manager for exactly these CA certificates. */
    public static X509ExtendedTrustManager forCertificates(List<X509Certificate> cas) throws TlsConfigException {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            return fromFactory(store);
        } catch (IOException | GeneralSecurityException e) {
            throw new TlsConfigException("cannot build a trust store: " + e, e);
        }
    }

    private static X509ExtendedTrustManager fromFactory(KeyStore store) throws TlsConfigException {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return x;
                }
            }
            throw new TlsConfigException("the JDK offers no X509ExtendedTrustManager");
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException("cannot initialise trust: " + e, e);
        }
    }

    private X509ExtendedTrustManager current() {
        if (file.poll()) {
            try {
                delegate = forCertificates(PemReader.certificates(file.text(0)));
                log.info("CA certificates reloaded from {}", file.paths().get(0));
            } catch (TlsConfigException e) {
                log.warn("CA certificates {} changed but cannot be used yet ({}); keeping the previous ones",
                        file.paths().get(0), e.getMessage());
            }
        }
        return delegate;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        current().checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        current().checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        current().checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        current().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        current().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        current().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return current().getAcceptedIssuers();
    }
}
