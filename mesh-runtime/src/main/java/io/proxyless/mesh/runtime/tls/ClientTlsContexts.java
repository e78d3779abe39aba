package io.proxyless.mesh.runtime.tls;

import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS contexts of one mesh client, one per cluster policy, shared across config reloads (a reload that leaves
 * a cluster's TLS as it was gets the same context, so pooled connections stay valid). Key and trust managers are
 * shared by file, so every ISTIO_MUTUAL cluster reads the workload certificates once per change. This is state of
 * one mesh (it outlives snapshots because the managers watch certificate files), never of the JVM.
 *
 * <p>A {@link io.proxyless.mesh.runtime.Mesh} builds the context of every TLS cluster through its own instance
 * when it compiles a snapshot, so a certificate file that is missing or invalid rejects the config instead of
 * failing requests; the cluster then carries the context ({@link Cluster#tlsContext()}).
 *
 * <pre>{@code
 * ClientTlsContexts contexts = ClientTlsContexts.builder()
 *         .istioCertificates(Path.of("/etc/certs")).trustDomain("cluster.local").build();
 * ClientTlsContext tls = contexts.forCluster(mesh.snapshot(), decision.cluster()); // null: plain text
 * }</pre>
 */
public final class ClientTlsContexts {

    private final Path istioCertificates;
    private final String trustDomain;
    private final Duration reloadInterval;
    private final LongSupplier nanoTime;
    private final Map<ClientTlsPolicy, ClientTlsContext> contexts = new ConcurrentHashMap<>();
    private final Map<List<Path>, ReloadingKeyManager> keyManagers = new ConcurrentHashMap<>();
    private final Map<Path, ReloadingTrustManager> trustManagers = new ConcurrentHashMap<>();

    private ClientTlsContexts(Builder b) {
        this.istioCertificates = b.istioCertificates;
        this.trustDomain = b.trustDomain;
        this.reloadInterval = b.reloadInterval;
        this.nanoTime = b.clock::nanoTime;
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
     * The TLS context for {@code cluster} of {@code snapshot}, or null when its traffic is plain text: the one
     * compiled into the cluster when this instance built it, else this instance's context for the cluster's
     * policy (an adapter configured with its own certificates).
     *
     * @throws TlsConfigException when TLS is asked for but cannot be set up (ISTIO_MUTUAL without workload
     *                            certificates, files missing or invalid…)
     */
    public ClientTlsContext forCluster(CompiledMesh snapshot, Cluster cluster) throws TlsConfigException {
        ClientTlsPolicy policy = cluster.tlsPolicy();
        if (policy == null) {
            return null;
        }
        ClientTlsContext compiled = cluster.tlsContext();
        if (compiled != null && compiled.owner() == this) {
            return compiled;
        }
        return context(policy);
    }

    /**
     * The TLS context for an attempt to {@code endpoint} of {@code cluster}, or null when that traffic is plain
     * text: as {@link #forCluster}, with the TLS the cluster chose for the endpoint ({@link
     * Cluster#tlsPolicy(Endpoint)}: Istio's auto mTLS sends ISTIO_MUTUAL only to endpoints labelled
     * {@code security.istio.io/tlsMode: istio}).
     *
     * @throws TlsConfigException when TLS is asked for but cannot be set up
     */
    public ClientTlsContext forEndpoint(CompiledMesh snapshot, Cluster cluster, Endpoint endpoint)
            throws TlsConfigException {
        ClientTlsPolicy policy = cluster.tlsPolicy(endpoint);
        if (policy == null) {
            return null;
        }
        ClientTlsContext compiled = cluster.tlsContext(endpoint);
        if (compiled != null && compiled.owner() == this) {
            return compiled;
        }
        return context(policy);
    }

    /** True when this instance can build a context for {@code policy} (ISTIO_MUTUAL needs a certificate directory). */
    public boolean canBuild(ClientTlsPolicy policy) {
        return !policy.needsIstioCertificates() || istioCertificates != null;
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

    private ClientTlsContext create(ClientTlsPolicy requested) throws TlsConfigException {
        ClientTlsPolicy policy = requested;
        if (policy.needsIstioCertificates()) {
            if (istioCertificates == null) {
                throw new TlsConfigException(policy.cluster() + ": DestinationRule tls mode ISTIO_MUTUAL needs the "
                        + "workload certificate directory (" + ClientTlsPolicy.CERT_CHAIN + ", "
                        + ClientTlsPolicy.KEY + ", " + ClientTlsPolicy.ROOT_CERT + "); configure it on the mesh client");
            }
            policy = policy.withIstioCertificates(istioCertificates);
        }
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
            return new ClientTlsContext(this, policy, context, trust, km, none);
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
            ReloadingKeyManager created = ReloadingKeyManager.load(chain, key, reloadInterval, nanoTime);
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
            ReloadingTrustManager created = ReloadingTrustManager.load(ca, reloadInterval, nanoTime);
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
        private MeshClock clock = MeshClock.system();

        private Builder() {
        }

        /** The clock that times certificate file checks (default {@link MeshClock#system()}; use the mesh's). */
        public Builder clock(MeshClock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
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
