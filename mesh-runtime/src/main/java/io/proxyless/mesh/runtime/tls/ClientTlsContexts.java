package io.proxyless.mesh.runtime.tls;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.proxyless.mesh.runtime.registry.MeshService;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS contexts of one mesh client, one per cluster policy, shared across config reloads (a reload that leaves
 * a cluster's TLS as it was gets the same context, so pooled connections stay valid). Key and trust managers are
 * shared by file, so every ISTIO_MUTUAL cluster reads the workload certificates once per change.
 *
 * <pre>{@code
 * ClientTlsContexts contexts = ClientTlsContexts.builder()
 *         .istioCertificates(Path.of("/etc/certs")).trustDomain("cluster.local").build();
 * ClientTlsContext tls = contexts.forCluster(mesh.snapshot(), decision.cluster()); // null: plain text
 * }</pre>
 */
public final class ClientTlsContexts {

    /** No TLS for this cluster (cached so the policy is resolved once per cluster object). */
    private static final Optional<ClientTlsPolicy> PLAINTEXT = Optional.empty();

    private final Path istioCertificates;
    private final String trustDomain;
    private final Duration reloadInterval;
    private final Cache<Cluster, Optional<ClientTlsPolicy>> policies = CacheBuilder.newBuilder().weakKeys().build();
    private final Map<ClientTlsPolicy, ClientTlsContext> contexts = new ConcurrentHashMap<>();
    private final Map<List<Path>, ReloadingKeyManager> keyManagers = new ConcurrentHashMap<>();
    private final Map<Path, ReloadingTrustManager> trustManagers = new ConcurrentHashMap<>();

    private ClientTlsContexts(Builder b) {
        this.istioCertificates = b.istioCertificates;
        this.trustDomain = b.trustDomain;
        this.reloadInterval = b.reloadInterval;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The directory of Istio workload certificates, or null. */
    public Path istioCertificates() {
        return istioCertificates;
    }

    public String trustDomain() {
        return trustDomain;
    }

    /**
     * The TLS context for {@code cluster} of {@code snapshot}, or null when its traffic is plain text.
     *
     * @throws TlsConfigException when TLS is asked for but cannot be set up (files missing or invalid…)
     */
    public ClientTlsContext forCluster(CompiledMesh snapshot, Cluster cluster) throws TlsConfigException {
        Optional<ClientTlsPolicy> policy = policies.getIfPresent(cluster);
        if (policy == null) {
            MeshService service = snapshot == null || cluster.host().isEmpty() ? null
                    : snapshot.registry().lookup(cluster.host()).orElse(null);
            ClientTlsPolicy resolved = ClientTlsPolicy.resolve(cluster, service, istioCertificates, trustDomain);
            policy = resolved == null ? PLAINTEXT : Optional.of(resolved);
            policies.put(cluster, policy);
        }
        return policy.isPresent() ? context(policy.get()) : null;
    }

    /** The context for {@code policy}, created on first use. */
    public ClientTlsContext context(ClientTlsPolicy policy) throws TlsConfigException {
        ClientTlsContext existing = contexts.get(policy);
        if (existing != null) {
            return existing;
        }
        ClientTlsContext created = create(policy);
        ClientTlsContext raced = contexts.putIfAbsent(policy, created);
        return raced != null ? raced : created;
    }

    private ClientTlsContext create(ClientTlsPolicy policy) throws TlsConfigException {
        X509ExtendedTrustManager roots;
        if (policy.insecureSkipVerify()) {
            roots = null;
        } else if (policy.caCertificates() == null) {
            roots = ReloadingTrustManager.system();
        } else {
            roots = trustManager(policy.caCertificates(), policy);
        }
        ReloadingKeyManager km = null;
        NoClientCertificateKeyManager none = null;
        KeyManager[] keyManagers;
        if (policy.clientCertificate() != null) {
            km = keyManager(policy.clientCertificate(), policy.privateKey(), policy);
            keyManagers = new KeyManager[] {km};
        } else {
            none = new NoClientCertificateKeyManager();
            keyManagers = new KeyManager[] {none};
        }
        MeshTrustManager trust = new MeshTrustManager(roots, policy);
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, new TrustManager[] {trust}, null);
            return new ClientTlsContext(policy, context, trust, km, none);
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException(policy.cluster() + ": cannot create a TLS context: " + e, e);
        }
    }

    private ReloadingKeyManager keyManager(Path chain, Path key, ClientTlsPolicy policy) throws TlsConfigException {
        List<Path> k = List.of(chain.toAbsolutePath().normalize(), key.toAbsolutePath().normalize());
        ReloadingKeyManager existing = keyManagers.get(k);
        if (existing != null) {
            return existing;
        }
        try {
            ReloadingKeyManager created = ReloadingKeyManager.load(chain, key, reloadInterval);
            ReloadingKeyManager raced = keyManagers.putIfAbsent(k, created);
            return raced != null ? raced : created;
        } catch (TlsConfigException e) {
            throw new TlsConfigException(policy.cluster() + " (" + policy.mode() + "): " + e.getMessage(), e);
        }
    }

    private ReloadingTrustManager trustManager(Path ca, ClientTlsPolicy policy) throws TlsConfigException {
        Path k = ca.toAbsolutePath().normalize();
        ReloadingTrustManager existing = trustManagers.get(k);
        if (existing != null) {
            return existing;
        }
        try {
            ReloadingTrustManager created = ReloadingTrustManager.load(ca, reloadInterval);
            ReloadingTrustManager raced = trustManagers.putIfAbsent(k, created);
            return raced != null ? raced : created;
        } catch (TlsConfigException e) {
            throw new TlsConfigException(policy.cluster() + " (" + policy.mode() + "): " + e.getMessage(), e);
        }
    }

    /** Configures {@link ClientTlsContexts}. */
    public static final class Builder {
        private Path istioCertificates;
        private String trustDomain = SpiffeId.DEFAULT_TRUST_DOMAIN;
        private Duration reloadInterval = Duration.ofSeconds(1);

        private Builder() {
        }

        /** Directory holding {@code cert-chain.pem}, {@code key.pem}, {@code root-cert.pem} for ISTIO_MUTUAL. */
        public Builder istioCertificates(Path directory) {
            this.istioCertificates = directory;
            return this;
        }

        /** Trust domain of SPIFFE identities (default {@code cluster.local}). */
        public Builder trustDomain(String trustDomain) {
            this.trustDomain = Objects.requireNonNull(trustDomain);
            return this;
        }

        /** How often, at most, certificate files are checked for changes (default 1 s). */
        public Builder reloadInterval(Duration interval) {
            this.reloadInterval = Objects.requireNonNull(interval);
            return this;
        }

        public ClientTlsContexts build() {
            return new ClientTlsContexts(this);
        }
    }
}
