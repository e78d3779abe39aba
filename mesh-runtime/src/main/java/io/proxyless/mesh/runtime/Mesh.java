package io.proxyless.mesh.runtime;

import io.proxyless.mesh.api.ConfigException;
import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.runtime.call.RequestHeaderContributor;
import io.proxyless.mesh.runtime.call.RequestHeaderContributors;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.dump.MeshDump;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.event.MeshListeners;
import io.proxyless.mesh.runtime.health.ClusterHealth;
import io.proxyless.mesh.runtime.routing.Compilation;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.routing.MeshCompiler;
import io.proxyless.mesh.runtime.security.InboundPolicy;
import io.proxyless.mesh.runtime.source.ConfigListener;
import io.proxyless.mesh.runtime.source.ConfigSource;
import io.proxyless.mesh.runtime.source.ConfigSourceProvider;
import io.proxyless.mesh.runtime.source.file.FileConfigSource;
import io.proxyless.mesh.runtime.time.MeshClock;
import io.proxyless.mesh.runtime.tls.ClientTlsContexts;
import io.proxyless.mesh.runtime.tls.ServerTlsContext;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import io.proxyless.mesh.runtime.tls.TlsFileReferences;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh engine for one client: decides, for each outbound request, what Istio's sidecar would do with the
 * same config. Adapters (OkHttp, gRPC) translate their requests into {@link RouteRequest}s and carry out the
 * {@link RouteDecision}.
 *
 * <pre>{@code
 * try (Mesh mesh = Mesh.builder().configPaths(Path.of("mesh/")).namespace("default").build()) {
 *     RouteDecision d = mesh.route(RouteRequest.builder("GET", "http://reviews:9080/reviews/1")
 *             .header("end-user", "jason").build());
 *     System.out.println(d.destinationSubset() + " " + d.endpoint());
 * }
 * }</pre>
 *
 * <p>A Mesh built from config paths watches them: valid edits apply live, an invalid edit keeps the last good
 * config (and is logged). Each config snapshot is compiled once; a request reads the compiled snapshot through
 * one volatile field, so routing takes no lock; a request is routed with the snapshot of its start, and its retries
 * pick endpoints from the snapshot then in force.
 */
public final class Mesh implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Mesh.class);
    /** The module holding the xDS config source, named when it is needed but missing. */
    static final String XDS_MODULE = "io.proxyless:mesh-xds";
    /** Where grpc-java (and so Istio's agent) looks for the xDS bootstrap: a file, or the JSON itself. */
    private static final List<String> XDS_BOOTSTRAP_ENV = List.of("GRPC_XDS_BOOTSTRAP", "GRPC_XDS_BOOTSTRAP_CONFIG");

    private final ConfigSource source;
    private final boolean ownsSource;
    private final MeshCompiler compiler;
    private final ClusterHealth health;
    private final ClientTlsContexts tls;
    private final boolean autoMtls;
    private final String namespace;
    private final MeshClock clock;
    private final MeshListeners listeners;
    private final RequestHeaderContributors headerContributors = new RequestHeaderContributors();
    private final Path istioCertificates;
    private final Duration certificateCheckInterval;
    private volatile ServerTlsContext serverTls;
    private volatile CompiledMesh compiled;
    // What `compiled` was compiled from; written with it. Kept here rather than in the snapshot: the source holds
    // the same object (its current config) and a snapshot should not keep resources alive on its own.
    private volatile MeshConfig config;

    private Mesh(Builder b, ConfigSource source, boolean ownsSource) {
        this.source = source;
        this.ownsSource = ownsSource;
        this.namespace = b.namespace;
        this.clock = b.clock;
        this.listeners = new MeshListeners(b.listener);
        this.health = new ClusterHealth(clock::nanoTime);
        // The workload certificates serve both sides: the default ISTIO_MUTUAL client contexts (unless the
        // contexts are given) and the server side (mesh.serverTls()).
        this.tls = b.tls != null ? b.tls : ClientTlsContexts.builder().istioCertificates(b.istioCertificates)
                .reloadInterval(b.certificateCheckInterval).clock(clock).build();
        this.istioCertificates = b.istioCertificates != null ? b.istioCertificates : tls.istioCertificates();
        this.certificateCheckInterval = b.certificateCheckInterval;
        this.autoMtls = b.autoMtls != null ? b.autoMtls : istioCertificates != null;
        this.compiler = new MeshCompiler(b.namespace, b.sourceLabels, b.domainSuffix, b.locality, health, clock, tls,
                autoMtls);
        MeshConfig initial = source.current();
        Compilation first;
        try {
            first = compiler.compile(initial, null);
        } catch (TlsConfigException e) {
            if (ownsSource) {
                source.close();
            }
            throw new ConfigException(new Problem(Severity.ERROR, null, 0, null, null, null, null,
                    e.getMessage()));
        }
        publish(initial, first);
        source.addListener(new ConfigListener() {
            @Override
            public void onConfig(MeshConfig config) {
                if (compiled.version() == config.version()) {
                    return; // the initial snapshot, delivered again on subscription
                }
                Compilation next;
                try {
                    next = compiler.compile(config, compiled);
                } catch (TlsConfigException e) {
                    log.error("mesh config version {} rejected, keeping version {}: {}", config.version(),
                            compiled.version(), e.getMessage());
                    return;
                } catch (RuntimeException e) {
                    // Compilation is a bug if it fails on validated config; keep serving the last good one.
                    log.error("mesh config version {} could not be compiled; keeping version {}", config.version(),
                            compiled.version(), e);
                    return;
                }
                publish(config, next);
                log.info("mesh config version {} applied", config.version());
            }

            // A rejected change is not logged here: its source has logged it with every problem, once.
        });
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Puts a compiled snapshot in force: the health plan (detector and pool settings, new and dropped clusters)
     * and the volatile write together, on the one thread that delivers config.
     */
    private void publish(MeshConfig from, Compilation next) {
        synchronized (health) {
            next.plan().apply(health);
            compiled = next.snapshot();
            // After the snapshot: whoever sees this config in config() finds its snapshot (or a newer) in force.
            config = from;
        }
        logWarnings(next.snapshot());
    }

    /** Routes {@code request} with the current config, using thread-local randomness. */
    public RouteDecision route(RouteRequest request) {
        return compiled.route(request, ThreadLocalRandom.current());
    }

    /** Routes {@code request} with the given randomness (seeded in tests and {@code mesh route --seed}). */
    public RouteDecision route(RouteRequest request, RandomGenerator random) {
        return compiled.route(request, random);
    }

    /** The compiled snapshot in force now (for dumps, the CLI and adapters that need cluster details). */
    public CompiledMesh snapshot() {
        return compiled;
    }

    /**
     * The config the snapshot in force was compiled from: every Istio resource (or the route model) with its
     * warnings, the same object its source published. It changes just after {@link #snapshot()} does, so once a
     * config shows here its snapshot (or a newer one) is in force; {@link CompiledMesh#version()} tells whether
     * the two read one after the other belong together.
     */
    public MeshConfig config() {
        return config;
    }

    /**
     * The compiled view in force now: services, endpoints, route tables, clusters with their merged policies
     * and current health, and warnings. What the config source received, before compiling, is
     * {@link #configDump()}.
     *
     * <pre>{@code
     * String json = mesh.dump().toJson();   // e.g. served on an admin port, see MeshDump
     * }</pre>
     */
    public MeshDump dump() {
        return MeshDump.of(compiled);
    }

    /** The config source (file or xDS) feeding this mesh. */
    public ConfigSource source() {
        return source;
    }

    /**
     * Every resource in force with its version, status ({@code ACKED}, {@code NACKED}, {@code REQUESTED},
     * {@code DOES_NOT_EXIST}) and error, as JSON: for xDS the xDS resources (like Envoy's {@code /config_dump}),
     * for files the Istio resources loaded.
     */
    public String configDump() {
        return source.configDump();
    }

    /** Outlier detection and connection-pool state, shared by all snapshots. */
    public ClusterHealth health() {
        return health;
    }

    /**
     * The TLS contexts of this mesh client: every TLS cluster's context is built through it when a snapshot is
     * compiled (so bad certificate files reject the config), and its key and trust managers watch the files.
     */
    public ClientTlsContexts tls() {
        return tls;
    }

    /**
     * The workload's inbound policy in force now: the mTLS mode of each port (PeerAuthentication) and the
     * authorization of each request (AuthorizationPolicy), for this mesh's namespace and {@code sourceLabels},
     * compiled with the snapshot. Servers read it for every connection or call, so a config change applies to the
     * next one and an invalid edit keeps the last good policy.
     *
     * <pre>{@code
     * AuthorizationDecision d = mesh.inbound().authorize(request);
     * }</pre>
     */
    public InboundPolicy inbound() {
        return compiled.inbound();
    }

    /**
     * Tells the mesh that this workload serves inbound calls on {@code port}, as a server starting on it does
     * ({@code MeshGrpc.serverBuilder}, {@code mesh-servlet}'s filter). A mesh configured from xDS then subscribes to
     * the port's inbound listener ({@code xds.istio.io/grpc/lds/inbound/0.0.0.0:PORT} for istiod) and refuses calls
     * on the port until it has arrived; a mesh configured from files has the port's policy already. Idempotent.
     *
     * <pre>{@code
     * mesh.serveInbound(9080);
     * MtlsMode mode = mesh.inbound().mtlsMode(9080);
     * }</pre>
     *
     * @throws IllegalArgumentException when {@code port} is not in 1..65535
     */
    public void serveInbound(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("not a port to serve on: " + port);
        }
        source.serveInbound(port);
    }

    /**
     * The directory of Istio workload certificates ({@code cert-chain.pem}, {@code key.pem},
     * {@code root-cert.pem}): the builder's {@link Builder#istioCertificates}, else the one of the given client
     * TLS contexts.
     */
    public Optional<Path> istioCertificates() {
        return Optional.ofNullable(istioCertificates);
    }

    /**
     * The server side of the mesh's mutual TLS with the workload certificates (rotation watched), created on
     * first use and shared by every server of this mesh.
     *
     * @throws TlsConfigException when no workload certificates are configured, or they can't be loaded
     */
    public ServerTlsContext serverTls() throws TlsConfigException {
        ServerTlsContext s = serverTls;
        if (s != null) {
            return s;
        }
        synchronized (this) {
            if (serverTls == null) {
                if (istioCertificates == null) {
                    throw new TlsConfigException("the server side of mutual TLS needs the workload certificates "
                            + "(cert-chain.pem, key.pem, root-cert.pem): configure "
                            + "Mesh.builder().istioCertificates(dir)");
                }
                serverTls = ServerTlsContext.load(istioCertificates, certificateCheckInterval, clock::nanoTime);
            }
            return serverTls;
        }
    }

    /** Whether Istio's auto mTLS is on for Istio config ({@link Builder#autoMtls(boolean)}). */
    public boolean autoMtls() {
        return autoMtls;
    }

    /** The client's namespace. */
    public String namespace() {
        return namespace;
    }

    /** The clock every time-dependent part of this mesh reads (deadlines, backoff, outlier detection, timers). */
    public MeshClock clock() {
        return clock;
    }

    /**
     * The listener of mesh events for calls of every adapter on this mesh: the builder's and those added with
     * {@link #addListener}.
     */
    public MeshListener listener() {
        return listeners;
    }

    /**
     * Adds a listener of mesh events for calls of every adapter on this mesh that start from now on, e.g. metrics
     * bound to a mesh that is already built; closing the registration removes it.
     *
     * <pre>{@code
     * try (MeshListeners.Registration r = mesh.addListener(accessLog)) {
     *     ...
     * }
     * }</pre>
     */
    public MeshListeners.Registration addListener(MeshListener listener) {
        return listeners.add(listener);
    }

    /**
     * Adds headers to the request of every attempt of calls that start from now on, on every adapter: trace
     * context, {@code x-request-id} (see {@link RequestHeaderContributor}). Closing the registration removes it.
     *
     * <pre>{@code
     * try (MeshListeners.Registration r = mesh.addHeaderContributor(tracing)) {
     *     ...
     * }
     * }</pre>
     */
    public MeshListeners.Registration addHeaderContributor(RequestHeaderContributor contributor) {
        return headerContributors.add(contributor);
    }

    /** The header contributors registered with {@link #addHeaderContributor}. */
    public RequestHeaderContributors headerContributors() {
        return headerContributors;
    }

    @Override
    public void close() {
        if (ownsSource) {
            source.close();
        }
    }

    private static void logWarnings(CompiledMesh mesh) {
        for (String w : mesh.warnings()) {
            log.warn("{}", w);
        }
    }

    /** Configures a {@link Mesh}. */
    public static final class Builder {
        private final List<Path> configPaths = new ArrayList<>();
        private String namespace = ConfigLoader.DEFAULT_NAMESPACE;
        private Map<String, String> sourceLabels = Map.of();
        private String domainSuffix = HostName.DEFAULT_DOMAIN_SUFFIX;
        private boolean watch = true;
        private String locality = "";
        private ConfigSource source;
        private Path xdsBootstrap;
        private MeshClock clock = MeshClock.system();
        private MeshListener listener = MeshListener.NONE;
        private ClientTlsContexts tls;
        private Path istioCertificates;
        private Duration certificateCheckInterval = Duration.ofSeconds(1);
        private Boolean autoMtls;

        private Builder() {
        }

        /**
         * The workload's Istio certificates: a directory with {@code cert-chain.pem}, {@code key.pem} and
         * {@code root-cert.pem} (what Istio's agent writes, e.g. {@code /etc/certs}); the files are re-read when
         * they change. Client side: the default certificates for DestinationRule {@code ISTIO_MUTUAL} (an
         * adapter's own TLS settings, or {@link #tls}, still win). Server side: {@link Mesh#serverTls()}.
         */
        public Builder istioCertificates(Path directory) {
            this.istioCertificates = Objects.requireNonNull(directory);
            return this;
        }

        /** How often, at most, workload certificate files are checked for changes (default 1 s). */
        public Builder certificateCheckInterval(Duration interval) {
            this.certificateCheckInterval = Objects.requireNonNull(interval);
            return this;
        }

        /**
         * Istio's auto mTLS (MeshConfig {@code enableAutoMtls}) for Istio config: where a DestinationRule sets no
         * {@code tls}, ISTIO_MUTUAL to the endpoints labelled {@code security.istio.io/tlsMode: istio} and plain
         * text to the others, chosen per endpoint; a DestinationRule's {@code tls} always wins. Default: on when
         * workload certificates are configured. Config from xDS carries istiod's choice
         * ({@code transport_socket_matches}) and is followed whatever this says.
         *
         * <pre>{@code
         * Mesh.builder().configPaths(Path.of("mesh/")).autoMtls(false).build(); // plain text unless a DR says tls
         * }</pre>
         */
        public Builder autoMtls(boolean autoMtls) {
            this.autoMtls = autoMtls;
            return this;
        }

        /**
         * Receives the mesh events of every call through this mesh, whatever the transport (routing, attempts,
         * retries, faults, overflows, mirrors, TLS failures, call ends). Adapters may add listeners of their own.
         */
        public Builder listener(MeshListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        /**
         * The TLS contexts (workload certificates for ISTIO_MUTUAL, trust domain, file check interval) this client
         * uses; by default one without workload certificates on the mesh's clock.
         */
        public Builder tls(ClientTlsContexts tls) {
            this.tls = Objects.requireNonNull(tls);
            return this;
        }

        /** The clock for deadlines, backoff, outlier detection and timers (default {@link MeshClock#system()}). */
        public Builder clock(MeshClock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** Istio YAML/JSON files or directories to load (and watch). */
        public Builder configPaths(Path... paths) {
            configPaths.addAll(List.of(paths));
            return this;
        }

        public Builder configPaths(List<Path> paths) {
            configPaths.addAll(paths);
            return this;
        }

        /** The client's namespace: short names resolve in it, Sidecars and exportTo are read for it. */
        public Builder namespace(String namespace) {
            this.namespace = Objects.requireNonNull(namespace);
            return this;
        }

        /** The client's workload labels, for {@code sourceLabels} matches and Sidecar selection. */
        public Builder sourceLabels(Map<String, String> labels) {
            this.sourceLabels = Map.copyOf(labels);
            return this;
        }

        /** Cluster domain suffix (default {@code cluster.local}). */
        public Builder domainSuffix(String suffix) {
            this.domainSuffix = Objects.requireNonNull(suffix);
            return this;
        }

        /**
         * The client's locality, {@code region/zone/subzone}, for locality-aware load balancing (Istio reads it
         * from the node's topology labels).
         */
        public Builder locality(String locality) {
            this.locality = Objects.requireNonNull(locality);
            return this;
        }

        /** Whether to watch config paths for changes (default true). */
        public Builder watch(boolean watch) {
            this.watch = watch;
            return this;
        }

        /** Use an existing config source instead of config paths (e.g. an xDS source); not closed by the mesh. */
        public Builder configSource(ConfigSource source) {
            this.source = source;
            return this;
        }

        /**
         * Take config from the xDS control plane named in this grpc-java bootstrap file (istiod, or any Envoy
         * control plane); {@link #build()} waits for the first complete config. Without config paths, a source or
         * this, the bootstrap named by {@code GRPC_XDS_BOOTSTRAP} / {@code GRPC_XDS_BOOTSTRAP_CONFIG} is used. The
         * node's namespace and locality apply unless {@link #namespace} / {@link #locality} say otherwise.
         *
         * <p>The xDS source is in the module {@code io.proxyless:mesh-xds}; without it on the classpath {@link
         * #build()} throws an {@link IllegalStateException} that says so.
         */
        public Builder xdsBootstrap(Path bootstrap) {
            this.xdsBootstrap = Objects.requireNonNull(bootstrap);
            return this;
        }

        /**
         * Loads the config and compiles it.
         *
         * @throws ConfigException when the initial config is invalid (all problems listed)
         */
        public Mesh build() throws ConfigException {
            if (source != null) {
                return new Mesh(this, source, false);
            }
            ConfigSourceProvider.Bootstrap bootstrap = null;
            if (xdsBootstrap != null) {
                bootstrap = xdsProvider("xdsBootstrap(" + xdsBootstrap + ")").bootstrap(xdsBootstrap);
            } else if (configPaths.isEmpty()) {
                bootstrap = xdsFromEnvironment().orElse(null);
            }
            if (bootstrap != null) {
                if (namespace.equals(ConfigLoader.DEFAULT_NAMESPACE)) {
                    namespace = bootstrap.namespace().orElse(namespace);
                }
                if (locality.isEmpty()) {
                    locality = bootstrap.locality();
                }
                return new Mesh(this, bootstrap.connect(namespace, clock), true);
            }
            if (configPaths.isEmpty()) {
                throw new IllegalStateException("no config: call configPaths(...), configSource(...) or "
                        + "xdsBootstrap(...)");
            }
            if (watch) {
                return new Mesh(this, FileConfigSource.start(configPaths, namespace, clock), true);
            }
            MeshConfig config = MeshConfig.of(TlsFileReferences.check(ConfigLoader.create()
                    .withDefaultNamespace(namespace).load(configPaths)).orThrow());
            return new Mesh(this, new StaticConfigSource(config), true);
        }

        /** The environment's xDS bootstrap; set but unusable without mesh-xds is an error, not "no config". */
        private static Optional<ConfigSourceProvider.Bootstrap> xdsFromEnvironment() {
            Optional<ConfigSourceProvider> provider = provider(ConfigSourceProvider.XDS);
            if (provider.isPresent()) {
                return provider.get().fromEnvironment();
            }
            for (String name : XDS_BOOTSTRAP_ENV) {
                String value = System.getenv(name);
                if (value != null && !value.isBlank()) {
                    xdsProvider("$" + name);
                }
            }
            return Optional.empty();
        }

        private static ConfigSourceProvider xdsProvider(String requestedBy) {
            return provider(ConfigSourceProvider.XDS).orElseThrow(() -> new IllegalStateException(requestedBy
                    + " needs the xDS config source, which is not on the classpath: add the dependency "
                    + XDS_MODULE));
        }

        private static Optional<ConfigSourceProvider> provider(String kind) {
            for (ConfigSourceProvider p : ServiceLoader.load(ConfigSourceProvider.class,
                    ConfigSourceProvider.class.getClassLoader())) {
                if (p.kind().equals(kind)) {
                    return Optional.of(p);
                }
            }
            return Optional.empty();
        }
    }
}
