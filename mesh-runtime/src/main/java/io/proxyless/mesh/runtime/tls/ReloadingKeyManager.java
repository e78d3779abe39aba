package io.proxyless.mesh.runtime.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client key manager whose certificate chain and key come from two PEM files that are re-read when they change
 * (checked at most once per interval, on handshake). Rotation needs no restart: new handshakes use the new pair;
 * established connections keep theirs. A pair that does not fit together (one file rewritten, the other not yet)
 * or cannot be parsed is ignored until the next change, so a rotation in progress never breaks handshakes.
 *
 * <pre>{@code
 * ReloadingKeyManager km = ReloadingKeyManager.load(Path.of("cert-chain.pem"), Path.of("key.pem"),
 *         Duration.ofSeconds(1));
 * sslContext.init(new KeyManager[] {km}, trustManagers, null);
 * }</pre>
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private static final Logger log = LoggerFactory.getLogger(ReloadingKeyManager.class);
    private static final String ALIAS_PREFIX = "mesh-";

    /** The material in use and the one before it, by version, so a handshake that chose an alias finishes. */
    private record State(long version, KeyMaterial current, long previousVersion, KeyMaterial previous) {
    }

    private final WatchedFiles files;
    private volatile State state;

    private ReloadingKeyManager(WatchedFiles files, KeyMaterial initial) {
        this.files = files;
        this.state = new State(1, initial, 0, null);
    }

    /**
     * Loads the pair now (failing when it cannot be read or does not fit together) and watches both files.
     *
     * @param checkInterval how often, at most, the files are looked at again
     */
    public static ReloadingKeyManager load(Path certificateChain, Path privateKey, Duration checkInterval)
            throws TlsConfigException {
        return load(certificateChain, privateKey, checkInterval, System::nanoTime);
    }

    /** Like {@link #load(Path, Path, Duration)}, timing the checks on {@code nanoTime} (the mesh clock). */
    public static ReloadingKeyManager load(Path certificateChain, Path privateKey, Duration checkInterval,
                                           LongSupplier nanoTime) throws TlsConfigException {
        WatchedFiles files;
        try {
            files = new WatchedFiles(List.of(certificateChain, privateKey), checkInterval, nanoTime);
        } catch (IOException e) {
            throw new TlsConfigException("cannot read client certificate/key (" + certificateChain + ", "
                    + privateKey + "): " + e, e);
        }
        try {
            return new ReloadingKeyManager(files, KeyMaterial.parse(files.text(0), files.text(1)));
        } catch (TlsConfigException e) {
            throw new TlsConfigException(certificateChain + " / " + privateKey + ": " + e.getMessage(), e);
        }
    }

    /** The certificate chain and key in use now (after checking the files). */
    public KeyMaterial current() {
        refresh();
        return state.current();
    }

    /**
     * A number that changes whenever a new pair is taken into use (after checking the files). TLS clients use it
     * to drop resumable sessions, which would otherwise keep presenting the old certificate.
     */
    public long version() {
        refresh();
        return state.version();
    }

    private void refresh() {
        if (!files.poll()) {
            return;
        }
        try {
            KeyMaterial next = KeyMaterial.parse(files.text(0), files.text(1));
            State s = state;
            state = new State(s.version() + 1, next, s.version(), s.current());
            log.info("client certificate reloaded from {}: {}", files.paths().get(0),
                    next.leaf().getSubjectX500Principal());
        } catch (TlsConfigException e) {
            // Probably mid-rotation: keep the pair that works; the next change is picked up.
            log.warn("client certificate files {} changed but cannot be used yet ({}); keeping the previous pair",
                    files.paths(), e.getMessage());
        }
    }

    private String chooseAlias(String[] keyTypes) {
        refresh();
        State s = state;
        if (keyTypes == null || fits(s.current().key().getAlgorithm(), keyTypes)) {
            return ALIAS_PREFIX + s.version();
        }
        return null;
    }

    private static boolean fits(String algorithm, String[] keyTypes) {
        String a = algorithm.toUpperCase(Locale.ROOT);
        for (String type : keyTypes) {
            String t = type.toUpperCase(Locale.ROOT);
            if (t.equals(a) || (a.equals("RSA") && t.equals("RSASSA-PSS"))
                    || ((a.equals("EDDSA") || a.equals("ED25519")) && (t.equals("EDDSA") || t.equals("ED25519")))) {
                return true;
            }
        }
        return false;
    }

    private KeyMaterial material(String alias) {
        if (alias == null || !alias.startsWith(ALIAS_PREFIX)) {
            return null;
        }
        State s = state;
        long version;
        try {
            version = Long.parseLong(alias.substring(ALIAS_PREFIX.length()));
        } catch (NumberFormatException e) {
            return null;
        }
        if (version == s.version()) {
            return s.current();
        }
        if (version == s.previousVersion()) {
            return s.previous();
        }
        return s.current();
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return chooseAlias(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return chooseAlias(keyTypes);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        String alias = chooseAlias(new String[] {keyType});
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        KeyMaterial m = material(alias);
        return m == null ? null : m.chain().toArray(new X509Certificate[0]);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        KeyMaterial m = material(alias);
        return m == null ? null : m.key();
    }

    // A client key manager: never chooses server credentials.
    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }
}
