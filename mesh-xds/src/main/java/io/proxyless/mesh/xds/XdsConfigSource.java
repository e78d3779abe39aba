package io.proxyless.mesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.model.MeshModel;
import io.proxyless.mesh.runtime.security.InboundPolicy;
import io.proxyless.mesh.runtime.source.ConfigListener;
import io.proxyless.mesh.runtime.source.ConfigSource;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Config from an xDS control plane (istiod, or any Envoy control plane) over ADS, parsed into the mesh's one route
 * model ({@link MeshConfig#ofModel}), the model Istio YAML compiles into, so both modes decide through the same
 * engine.
 *
 * <pre>{@code
 * try (XdsConfigSource source = XdsConfigSource.builder(XdsBootstrap.read(Path.of("bootstrap.json")))
 *         .namespace("shop").start()) {
 *     if (!source.awaitInitialConfig(Duration.ofSeconds(30))) {
 *         throw new IllegalStateException("no config from the control plane");
 *     }
 *     Mesh mesh = Mesh.builder().configSource(source).namespace("shop").build();
 *     ...
 * }
 * }</pre>
 * {@code Mesh.builder().xdsBootstrap(path).build()} does all of that.
 *
 * <p><b>What it subscribes.</b> Chosen by the bootstrap's node metadata, like istiod chooses what to send:
 * <ul>
 *   <li><b>proxyless</b> ({@code GENERATOR: grpc}): every listener (each is {@code host:port} with an
 *       {@code api_listener}), the route configurations they name, the clusters their routes name, and those
 *       clusters' endpoints;</li>
 *   <li><b>sidecar</b> (otherwise): every cluster, the route configuration of each port the
 *       {@code outbound|PORT|...} clusters use ({@code 9080}), and the endpoints of EDS clusters. Listeners are
 *       not needed. This shape carries all of Istio's traffic features and is the one to use against istiod.</li>
 * </ul>
 * And for the ports the workload serves ({@link #serveInbound}), their inbound listeners (the bootstrap's
 * {@code server_listener_resource_name_template}), on a second ADS stream over the same channel, compiled into the
 * config's inbound policy ({@link MeshConfig#inbound()}; calls on a port are refused until its listener is in
 * force).
 *
 * <p><b>When config changes.</b> A new snapshot is published once every resource it depends on has arrived (or
 * is known not to exist), so a route never points at a cluster that is still on its way. Invalid resources are
 * NACKed and keep their last good version; warnings about unsupported fields travel with the snapshot
 * ({@link MeshConfig#warnings()}). While the control plane is unreachable the last config stays in force and the
 * stream is retried with backoff.
 *
 * <p>One daemon thread, {@value #THREAD_NAME}, runs the protocol and delivers to listeners. The does-not-exist
 * timers, the reconnect backoff and the {@code lastUpdated} times of the config dump run on the source's
 * {@link MeshClock} ({@link Builder#clock}; the mesh's when {@code Mesh.builder().xdsBootstrap(...)} starts it).
 */
public final class XdsConfigSource implements ConfigSource {
    /** Largest xDS response accepted (default gRPC: 4 MiB). */
    static final int MAX_XDS_MESSAGE_BYTES = 256 * 1024 * 1024;

    /** Name of the source's thread. */
    public static final String THREAD_NAME = "mesh-xds";
    /** gRPC's resource-does-not-exist timeout. */
    public static final Duration DEFAULT_DOES_NOT_EXIST_TIMEOUT = Duration.ofSeconds(15);

    private static final Logger log = LoggerFactory.getLogger(XdsConfigSource.class);

    private final XdsBootstrap bootstrap;
    private final String namespace;
    private final boolean proxyless;
    private final boolean delta;
    private final ParseContext parseContext;
    // Route configurations parsed for the last model, reused while their message is unchanged, and the virtual
    // hosts of their last versions, reused when sent again unchanged (executor only).
    private final RouteParses routeParses = RouteParses.none();
    // The model's cluster maps of the last model, reused while the clusters (endpoints) are the same (executor only).
    private final XdsModelAssembly.ClusterMaps clusterMaps = XdsModelAssembly.ClusterMaps.none();
    private final ExecutorService executor;
    private final ManagedChannel channel;
    private final AdsClient client;
    private final AdsClient.Options options;
    private final MeshClock clock;
    private final DoubleSupplier jitter;
    private final Set<Integer> inboundPorts = java.util.concurrent.ConcurrentHashMap.newKeySet();
    // Executor thread only. The inbound listeners go over a stream of their own (see serveInbound).
    private AdsClient inboundClient;
    private volatile AdsClient inboundView;
    private InboundPolicy inbound;
    private MeshModel lastModel;
    // The cluster values the route (sidecar) and endpoint subscriptions were last derived from: the client hands
    // the same map again while no cluster changed, and then they stand as they are.
    private Map<String, XdsClusterResource.Update> subscribedFor;
    private List<Problem> lastModelWarnings = List.of();
    private boolean missingTemplateLogged;
    private final Object deliveryLock = new Object();
    private final List<ConfigListener> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch initial = new CountDownLatch(1);
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile MeshConfig current;
    private boolean published;
    private volatile List<Problem> lastProblems = List.of();
    private Set<String> lastRejected = Set.of();
    private volatile Thread thread;

    private XdsConfigSource(Builder b) {
        this.bootstrap = b.bootstrap;
        this.namespace = b.namespace;
        this.proxyless = b.bootstrap.node().proxyless();
        this.delta = b.delta != null ? b.delta : b.bootstrap.server().delta();
        this.parseContext = new ParseContext(proxyless, b.bootstrap.certificateProviders());
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, THREAD_NAME);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        XdsBootstrap.ServerInfo server = b.bootstrap.server();
        ChannelCredentials creds = server.credentials() == XdsBootstrap.ChannelCredentialsType.TLS
                ? TlsChannelCredentials.create() : InsecureChannelCredentials.create();
        // A route configuration for thousands of services exceeds gRPC's default 4 MiB inbound limit; the
        // stream would fail with RESOURCE_EXHAUSTED forever. Envoy and grpc-xds accept far larger xDS messages.
        this.channel = Grpc.newChannelBuilder(server.uri(), creds).userAgent("proxyless-mesh-java")
                .maxInboundMessageSize(MAX_XDS_MESSAGE_BYTES).build();
        this.options = new AdsClient.Options(delta, server.ignoreResourceDeletion(), b.doesNotExistTimeout,
                b.initialBackoff, b.maxBackoff);
        this.clock = b.clock;
        this.jitter = b.jitter;
        this.inbound = XdsInboundPolicy.assemble(namespace, List.of(), List.of());
        // Before the first config a mesh built on this source routes nothing it knows of, and its servers refuse
        // every call: an empty Istio config would let everything in.
        this.current = MeshConfig.ofModel(MeshModel.of(List.of(), List.of(), List.of(),
                MeshModel.OutboundPolicy.ALLOW_ANY, List.of()), inbound, List.of());
        this.client = new AdsClient(channel, b.bootstrap.node().toProto(), options, executor, b.clock, b.jitter,
                this::decode, this::parse, this::onChange);
    }

    /** How long {@link #connect} waits for the first complete config. */
    public static final Duration DEFAULT_INITIAL_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Starts a source and waits (up to {@link #DEFAULT_INITIAL_TIMEOUT}) for its first complete config.
     *
     * @throws IllegalStateException naming the server and what is still missing when none arrives in time
     */
    public static XdsConfigSource connect(XdsBootstrap bootstrap, String namespace) {
        return connect(bootstrap, namespace, MeshClock.system());
    }

    /** Like {@link #connect(XdsBootstrap, String)}, with the source's timers on {@code clock}. */
    public static XdsConfigSource connect(XdsBootstrap bootstrap, String namespace, MeshClock clock) {
        return connect(builder(bootstrap).namespace(namespace).clock(clock), DEFAULT_INITIAL_TIMEOUT);
    }

    static XdsConfigSource connect(Builder builder, Duration timeout) {
        XdsConfigSource source = builder.start();
        boolean ready;
        try {
            ready = source.awaitInitialConfig(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ready = false;
        }
        if (!ready) {
            String missing = source.resources().stream()
                    .filter(r -> r.status() == AdsClient.ResourceStatus.REQUESTED)
                    .map(r -> r.type().shortName() + " " + r.name()).limit(10).toList().toString();
            String error = source.lastStreamError();
            source.close();
            throw new IllegalStateException("no complete config from xDS server " + builder.bootstrap.server().uri()
                    + " within " + timeout.toSeconds() + " s" + (error != null ? "; last stream error: " + error : "")
                    + "; still waiting for " + missing);
        }
        return source;
    }

    /** Starts configuring a source for {@code bootstrap}. */
    public static Builder builder(XdsBootstrap bootstrap) {
        return new Builder(bootstrap);
    }

    /**
     * Waits until the first complete config has arrived (every subscribed resource received or known not to
     * exist).
     *
     * @return false if it did not arrive within {@code timeout}
     */
    public boolean awaitInitialConfig(Duration timeout) throws InterruptedException {
        return initial.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The bootstrap this source was started with. */
    public XdsBootstrap bootstrap() {
        return bootstrap;
    }

    /** Whether the stream is up and has had a response. */
    public boolean connected() {
        return client.connected();
    }

    /**
     * Every xDS resource this source holds, with version, status ({@code ACKED}, {@code NACKED},
     * {@code REQUESTED}, {@code DOES_NOT_EXIST}), error and the resource itself, as JSON; the client's equivalent
     * of Envoy's {@code /config_dump} and gRPC's CSDS.
     */
    @Override
    public String configDump() {
        return XdsConfigDump.of(this);
    }

    List<AdsClient.ResourceInfo> resources() {
        AdsClient in = inboundView;
        if (in == null) {
            return client.resources();
        }
        List<AdsClient.ResourceInfo> all = new ArrayList<>(client.resources());
        all.addAll(in.resources());
        return List.copyOf(all);
    }

    /**
     * Subscribes to the inbound listener of {@code port}: the bootstrap's
     * {@code server_listener_resource_name_template} with {@code 0.0.0.0:PORT}, as grpc-java's xDS server names
     * it. Until it is in force the published inbound policy refuses calls on the port.
     *
     * <p>The inbound listeners are asked for on a second ADS stream over the same channel: istiod's proxyless
     * generator reads an LDS request's names as a filter, so one subscription cannot hold both this source's
     * wildcard (every outbound listener) and the inbound listener names.
     */
    @Override
    public void serveInbound(int port) {
        if (inboundPorts.add(port) && !closed.get()) {
            try {
                executor.execute(this::subscribeInbound);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                log.debug("xDS source closed; not subscribing to the inbound listener of port {}", port);
            }
        }
    }

    private boolean isInboundListener(String name) {
        String template = bootstrap.serverListenerResourceNameTemplate();
        int at = template == null ? -1 : template.indexOf("%s");
        return at > 0 && name.startsWith(template.substring(0, at));
    }

    /** The name of the inbound listener of {@code port}, or null without a template. */
    String inboundListenerName(int port) {
        String template = bootstrap.serverListenerResourceNameTemplate();
        return template == null ? null : template.replace("%s", "0.0.0.0:" + port);
    }

    String lastStreamError() {
        return client.lastStreamError();
    }

    boolean proxyless() {
        return proxyless;
    }

    boolean delta() {
        return delta;
    }

    @Override
    public MeshConfig current() {
        return current;
    }

    @Override
    public void addListener(ConfigListener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (deliveryLock) {
            listeners.add(listener);
            deliver(() -> listener.onConfig(current));
        }
    }

    @Override
    public void removeListener(ConfigListener listener) {
        listeners.remove(listener);
    }

    @Override
    public List<Problem> lastProblems() {
        return lastProblems;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Runnable closeClients = () -> {
            client.close();
            if (inboundClient != null) {
                inboundClient.close();
            }
        };
        if (Thread.currentThread() == thread) {
            closeClients.run(); // a listener closing its own source: we are on the source's thread already
        } else {
            try {
                executor.submit(closeClients).get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.debug("closing the xDS client failed", e);
            }
        }
        executor.shutdownNow();
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "XdsConfigSource{" + bootstrap.server().uri() + ", " + namespace + ", "
                + (proxyless ? "proxyless" : "sidecar") + ", "
                + (delta ? "delta" : "sotw") + ", version " + current.version() + "}";
    }

    private XdsConfigSource begin() {
        executor.execute(() -> {
            if (proxyless) {
                client.subscribe(XdsResourceType.LISTENER, true, Set.of());
            } else {
                client.subscribe(XdsResourceType.CLUSTER, true, Set.of());
            }
            client.start();
        });
        return this;
    }

    // ---- Inbound (on the executor) ----

    private void subscribeInbound() {
        if (closed.get()) {
            return;
        }
        if (bootstrap.serverListenerResourceNameTemplate() == null) {
            if (!missingTemplateLogged) {
                missingTemplateLogged = true;
                log.error("xDS bootstrap {} has no server_listener_resource_name_template: no inbound listener can be "
                        + "asked for, so calls on ports {} are refused", bootstrap.origin(), inboundPorts);
            }
            onInboundChange();
            return;
        }
        Set<String> names = new java.util.TreeSet<>();
        inboundPorts.forEach(p -> names.add(inboundListenerName(p)));
        boolean first = inboundClient == null;
        if (first) {
            inboundClient = new AdsClient(channel, bootstrap.node().toProto(), options, executor, clock, jitter,
                    (type, message, bytes) -> type == XdsResourceType.LISTENER
                            ? XdsInboundListenerResource.parse((Listener) message)
                            : Parsed.error("only inbound listeners are asked for on this stream"),
                    this::onInboundChange);
            inboundView = inboundClient;
        }
        inboundClient.subscribe(XdsResourceType.LISTENER, false, names);
        if (first) {
            inboundClient.start();
        }
        onInboundChange();
    }

    private void onInboundChange() {
        if (closed.get()) {
            return;
        }
        List<XdsInboundListenerResource.Update> inForce = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (int port : new java.util.TreeSet<>(inboundPorts)) {
            String name = inboundListenerName(port);
            if (name == null) {
                notes.add("port " + port + ": the xDS bootstrap has no server_listener_resource_name_template; "
                        + "calls are refused");
                continue;
            }
            AdsClient.ResourceInfo info = inboundClient == null ? null : inboundClient.resources().stream()
                    .filter(r -> r.name().equals(name)).findFirst().orElse(null);
            if (info != null && info.value() instanceof XdsInboundListenerResource.Update u) {
                inForce.add(u);
            } else {
                String state = info == null || info.status() == AdsClient.ResourceStatus.REQUESTED
                        ? "not received yet" : info.status() == AdsClient.ResourceStatus.NACKED
                        ? "rejected (" + info.error() + ")" : "does not exist";
                notes.add("port " + port + ": inbound listener " + name + " " + state + "; calls are refused");
            }
        }
        inbound = XdsInboundPolicy.assemble(namespace, inForce, notes);
        reportRejections();
        if (lastModel != null) {
            publish(lastModel, lastModelWarnings);
        }
    }

    /**
     * A route configuration (istiod sends a port's whole route configuration, every service's virtual host, when one
     * service's routes change) decodes only the virtual hosts whose bytes differ from its last version's; the rest
     * as protobuf unpacks them.
     */
    private Message decode(XdsResourceType type, Any payload) throws InvalidProtocolBufferException {
        return type == XdsResourceType.ROUTE ? routeParses.decode(payload.getValue()) : type.unpack(payload);
    }

    private Parsed<?> parse(XdsResourceType type, Message message, ByteString bytes) {
        return switch (type) {
            case LISTENER -> isInboundListener(((Listener) message).getName())
                    // A server's listener a control plane lists among the wildcard's: not a client's concern.
                    ? Parsed.of(new XdsListenerResource.Update(((Listener) message).getName(), null, null, null, null,
                            ParseContext.HttpFilters.DEFAULT), new Findings())
                    : XdsListenerResource.parse((Listener) message, parseContext);
            // Parsed here to accept or reject it, on the port the model will have it on unless a listener names it
            // (a sidecar's are named after their port); each listener that names it applies its own filters and
            // port when the model is assembled.
            case ROUTE -> routeParses.accept((RouteConfiguration) message, bytes,
                    acceptPort((RouteConfiguration) message), parseContext);
            // Each decoded from bytes (the parser's Any value), which a scan reads for unsupported fields.
            case CLUSTER -> XdsClusterResource.parse((Cluster) message, parseContext, bytes);
            case ENDPOINT -> XdsEndpointResource.parse((ClusterLoadAssignment) message, bytes);
        };
    }

    /**
     * The port a sidecar's route configuration is assembled on when no listener names it (none does in that shape):
     * its name's, as {@link XdsModelAssembly} takes it. Proxyless ones are parsed per listener.
     */
    private int acceptPort(RouteConfiguration rc) {
        String name = rc.getName();
        Integer port = proxyless ? null : HostPort.isPort(name) ? Integer.valueOf(name) : HostPort.port(name);
        return port == null ? io.proxyless.mesh.runtime.model.RouteConfiguration.ANY_PORT : port;
    }

    // ---- On the executor ----

    /** After every protocol event: follow the references to what else to subscribe, then maybe publish. */
    private void onChange() {
        if (closed.get()) {
            return;
        }
        Map<String, XdsListenerResource.Update> listenerValues = client.values(XdsResourceType.LISTENER,
                XdsListenerResource.Update.class);
        Map<String, XdsClusterResource.Update> clusterValues;
        if (proxyless) {
            Set<String> routeNames = new LinkedHashSet<>();
            listenerValues.values().forEach(l -> {
                if (l.routeConfigName() != null) {
                    routeNames.add(l.routeConfigName());
                }
            });
            client.subscribe(XdsResourceType.ROUTE, false, routeNames);
            Map<String, io.proxyless.mesh.runtime.model.RouteConfiguration> routeValues = client.values(
                    XdsResourceType.ROUTE, io.proxyless.mesh.runtime.model.RouteConfiguration.class);
            Set<String> clusterNames = new LinkedHashSet<>();
            for (XdsListenerResource.Update l : listenerValues.values()) {
                if (!l.routes()) {
                    continue;
                }
                var rc = l.inlineRoutes() != null ? l.inlineRoutes() : routeValues.get(l.routeConfigName());
                if (rc != null) {
                    clusterNames.addAll(XdsModelAssembly.clusterNames(rc));
                }
            }
            client.subscribe(XdsResourceType.CLUSTER, false, clusterNames);
            clusterValues = client.values(XdsResourceType.CLUSTER, XdsClusterResource.Update.class);
        } else {
            clusterValues = client.values(XdsResourceType.CLUSTER, XdsClusterResource.Update.class);
        }
        if (clusterValues != subscribedFor) {
            if (!proxyless) {
                // istiod names a sidecar's outbound route configuration after the port, and its service clusters
                // outbound|PORT|SUBSET|HOST: the ports of those clusters are the route configurations there are.
                Set<String> ports = new java.util.TreeSet<>();
                clusterValues.values().forEach(c -> {
                    if (c.cluster().key() != null) {
                        ports.add(Integer.toString(c.cluster().key().port()));
                    }
                });
                client.subscribe(XdsResourceType.ROUTE, false, ports);
            }
            Set<String> edsNames = new LinkedHashSet<>();
            clusterValues.values().forEach(c -> {
                if (c.edsServiceName() != null) {
                    edsNames.add(c.edsServiceName());
                }
            });
            client.subscribe(XdsResourceType.ENDPOINT, false, edsNames);
            subscribedFor = clusterValues;
        }

        reportRejections();
        if (!complete()) {
            return;
        }
        Map<String, RouteConfiguration> routes = new java.util.TreeMap<>();
        for (AdsClient.ResourceInfo r : client.resources()) {
            if (r.type() == XdsResourceType.ROUTE && r.value() != null) {
                routes.put(r.name(), (RouteConfiguration) r.raw());
            }
        }
        XdsModelAssembly.Inputs inputs = new XdsModelAssembly.Inputs(listenerValues, routes, clusterValues,
                client.values(XdsResourceType.ENDPOINT, io.proxyless.mesh.runtime.model.ClusterLoadAssignment.class));
        XdsModelAssembly.Result out;
        try {
            out = XdsModelAssembly.assemble(inputs, parseContext, routeParses, clusterMaps);
            routeParses.assembled();
        } catch (RuntimeException e) {
            log.error("assembling the xDS resources into the route model failed; keeping config version {}",
                    current.version(), e);
            return;
        }
        lastModel = out.model();
        lastModelWarnings = out.warnings();
        publish(out.model(), out.warnings());
    }

    /**
     * Whether everything the config depends on has been answered. Sidecar-shape route configurations are
     * subscribed by port on a guess (a TCP port has none), so once any RDS answer came they do not hold back.
     */
    private boolean complete() {
        if (proxyless ? !client.everReceived(XdsResourceType.LISTENER) : !client.everReceived(XdsResourceType.CLUSTER)) {
            return false;
        }
        for (XdsResourceType t : XdsResourceType.values()) {
            if (client.anyPending(t)) {
                if (!proxyless && t == XdsResourceType.ROUTE && client.everReceived(t)) {
                    continue;
                }
                return false;
            }
        }
        return true;
    }

    private void reportRejections() {
        List<Problem> errors = new ArrayList<>();
        Set<String> rejected = new LinkedHashSet<>();
        for (AdsClient.ResourceInfo r : resources()) {
            if (r.status() == AdsClient.ResourceStatus.NACKED) {
                rejected.add(r.type() + "/" + r.name() + "@" + r.rejectedVersion());
                errors.add(new Problem(Severity.ERROR, null, 0, r.type().shortName(), null, r.name(), "",
                        "rejected version " + r.rejectedVersion() + " (NACK): " + r.error()
                                + (r.value() != null ? "; version " + r.version() + " stays in use" : "")));
            }
        }
        if (rejected.equals(lastRejected)) {
            return;
        }
        Set<String> added = new LinkedHashSet<>(rejected);
        added.removeAll(lastRejected);
        lastRejected = rejected;
        if (added.isEmpty()) {
            return;
        }
        lastProblems = List.copyOf(errors);
        synchronized (deliveryLock) {
            for (ConfigListener l : listeners) {
                deliver(() -> l.onRejected(errors));
            }
        }
    }

    /** Publishes {@code model} with the inbound policy in force and every resource's warnings. */
    private void publish(MeshModel model, List<Problem> modelWarnings) {
        List<Problem> warnings = new ArrayList<>();
        for (AdsClient.ResourceInfo r : resources()) {
            if (r.value() != null) {
                r.warnings().forEach(w -> warnings.add(XdsModelAssembly.warning(r.type().shortName(), r.name(),
                        w.path(), w.message())));
            }
        }
        warnings.addAll(modelWarnings);
        warnings.sort(Comparator.comparing((Problem p) -> Objects.requireNonNullElse(p.kind(), ""))
                .thenComparing(p -> Objects.requireNonNullElse(p.name(), ""))
                .thenComparing(p -> Objects.requireNonNullElse(p.path(), "")));
        MeshConfig old = current;
        if (published && old.model().equals(Optional.of(model)) && old.warnings().equals(warnings)
                && old.inbound().orElse(null) == inbound) {
            initial.countDown();
            return;
        }
        MeshConfig next = MeshConfig.ofModel(model, inbound, warnings);
        synchronized (deliveryLock) {
            if (closed.get()) {
                return;
            }
            current = next;
            published = true;
            if (lastRejected.isEmpty()) {
                lastProblems = warnings;
            }
            log.info("xDS config version {} in force: {}", next.version(), next);
            for (ConfigListener l : listeners) {
                deliver(() -> l.onConfig(next));
            }
        }
        initial.countDown();
    }

    private static void deliver(Runnable delivery) {
        try {
            delivery.run();
        } catch (RuntimeException e) {
            // One faulty listener must not stop the others or the source.
            log.error("xDS config listener failed", e);
        }
    }

    /** Configures and starts an {@link XdsConfigSource}. */
    public static final class Builder {
        private final XdsBootstrap bootstrap;
        private String namespace;
        private Boolean delta;
        private Duration doesNotExistTimeout = DEFAULT_DOES_NOT_EXIST_TIMEOUT;
        private Duration initialBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(120);
        private MeshClock clock = MeshClock.system();
        private DoubleSupplier jitter = () -> ThreadLocalRandom.current().nextDouble();

        private Builder(XdsBootstrap bootstrap) {
            this.bootstrap = Objects.requireNonNull(bootstrap, "bootstrap");
            this.namespace = bootstrap.node().namespace().orElse(ConfigLoader.DEFAULT_NAMESPACE);
        }

        /**
         * The client's namespace (the mesh's, for names outside the route model). Default: the
         * node's namespace ({@code metadata.NAMESPACE} or Istio's node id), else {@code default}.
         */
        public Builder namespace(String namespace) {
            this.namespace = Objects.requireNonNull(namespace);
            return this;
        }

        /**
         * Delta (incremental) xDS instead of state of the world. Default: the bootstrap server's
         * {@value XdsBootstrap#FEATURE_DELTA} feature.
         */
        public Builder delta(boolean delta) {
            this.delta = delta;
            return this;
        }

        /** How long a subscribed resource may go unanswered before it counts as not existing (default 15 s). */
        public Builder doesNotExistTimeout(Duration timeout) {
            this.doesNotExistTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** Reconnect backoff: first delay and cap (defaults 1 s and 120 s, grpc-java's). */
        public Builder reconnectBackoff(Duration initial, Duration max) {
            this.initialBackoff = Objects.requireNonNull(initial);
            this.maxBackoff = Objects.requireNonNull(max);
            return this;
        }

        /**
         * The clock of the does-not-exist timers, the reconnect backoff and the dump's update times (default
         * {@link MeshClock#system()}).
         */
        public Builder clock(MeshClock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** Where the backoff's jitter comes from: a value in [0, 1); tests fix it. */
        Builder jitter(DoubleSupplier jitter) {
            this.jitter = Objects.requireNonNull(jitter);
            return this;
        }

        /** Connects and subscribes; returns at once (see {@link #awaitInitialConfig}). */
        public XdsConfigSource start() {
            for (String w : bootstrap.warnings()) {
                log.warn("xDS bootstrap {}: {}", bootstrap.origin(), w);
            }
            return new XdsConfigSource(this).begin();
        }
    }
}
