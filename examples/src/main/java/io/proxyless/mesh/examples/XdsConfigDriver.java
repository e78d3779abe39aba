package io.proxyless.mesh.examples;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.api.loader.LoadedConfig;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.security.InboundPolicy;
import io.proxyless.mesh.xds.XdsBootstrap;
import io.proxyless.mesh.xds.XdsConfigSource;
import io.proxyless.mesh.runtime.tls.ClientTlsPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * xDS mode: an embedded control plane (java-control-plane's ADS server over a snapshot cache, on 127.0.0.1) serves
 * each scenario to the workloads' meshes, which connect with an xDS bootstrap as a proxyless client connects to
 * istiod. Each scenario's example YAML is rendered as in file mode, then translated by {@link IstioToEnvoy} into
 * the clusters, endpoints and routes istiod would send; the meshes translate them back into their routing tables.
 * The servers' meshes also get what istiod sends a proxyless gRPC server: the inbound listener of each port they
 * serve ({@link InboundToEnvoy}: mTLS filter chains and RBAC filters from the PeerAuthentication and
 * AuthorizationPolicies that select the workload), in a snapshot of their own.
 * {@link #apply} waits until every mesh has ACKed the new version and routes (and serves) with it.
 */
final class XdsConfigDriver implements ConfigDriver {
    private static final String GROUP = "bookinfo";
    private static final Duration UPDATE_LIMIT = Duration.ofSeconds(20);
    private static final List<String> TYPES = List.of(
            "type.googleapis.com/envoy.config.cluster.v3.Cluster",
            "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
            "type.googleapis.com/envoy.config.route.v3.RouteConfiguration");
    private static final String LISTENERS = "type.googleapis.com/envoy.config.listener.v3.Listener";
    /** A server also ACKs its inbound listeners. */
    private static final List<String> SERVER_TYPES = Stream.concat(TYPES.stream(), Stream.of(LISTENERS)).toList();

    private final ExampleFiles examples;
    private final Path directory;
    private final Map<Integer, Integer> ports;
    /** Server workloads by node id, with the inbound listeners they asked for. */
    private final Map<String, ServerNode> servers = new ConcurrentHashMap<>();
    // One snapshot for every node: an ADS stream names its node in its first request only, and the inbound
    // listener names (one per port) can't clash between servers.
    private final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
    private final Object snapshots = new Object();
    private IstioToEnvoy.Resources envoy;
    private MeshConfig inboundConfig;
    private String snapshotVersion;
    private final Server server;
    private final Map<Long, String> nodeByStream = new ConcurrentHashMap<>();
    private final Map<String, String> acked = new ConcurrentHashMap<>();
    private final List<String> nacks = new CopyOnWriteArrayList<>();
    private final Map<String, Mesh> meshes = new ConcurrentHashMap<>();
    private final List<XdsConfigSource> serverSources = new CopyOnWriteArrayList<>();
    /** Injected workloads (their node ids) and their agents' config dumps. */
    private final Map<String, Supplier<String>> agents = new ConcurrentHashMap<>();
    private String agentNode;
    private int version;
    private int step;

    XdsConfigDriver(ExampleFiles examples, Path directory, Map<Integer, Integer> ports) {
        this.examples = examples;
        this.directory = directory;
        this.ports = ports;
        V3DiscoveryServer discovery = new V3DiscoveryServer(new DiscoveryServerCallbacks() {
            @Override
            public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
                if (request.hasNode()) {
                    nodeByStream.put(streamId, request.getNode().getId());
                }
                String node = nodeByStream.get(streamId);
                ServerNode server = node == null ? null : servers.get(node);
                if (server != null && request.getTypeUrl().equals(LISTENERS)) {
                    // istiod builds a server's inbound listeners for the names it asks for: so does this one.
                    List<String> added = request.getResourceNamesList().stream()
                            .filter(n -> InboundToEnvoy.port(n) > 0 && server.inbound().add(n)).toList();
                    if (!added.isEmpty()) {
                        serve();
                    }
                }
                if (request.hasErrorDetail()) {
                    nacks.add(node + ": " + request.getErrorDetail().getMessage());
                } else if (node != null && !request.getVersionInfo().isEmpty()) {
                    acked.put(node + " " + request.getTypeUrl(), request.getVersionInfo());
                }
            }

            @Override
            public void onV3StreamDeltaRequest(long streamId,
                                               io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest r) {
            }
        }, cache);
        try {
            Files.createDirectories(directory);
            server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .addService(discovery.getAggregatedDiscoveryServiceImpl()).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code GRPC_XDS_BOOTSTRAP} naming a bootstrap of the workload's own, as istiod's injection writes one. */
    @Override
    public synchronized Map<String, String> agentEnvironment(String workload, Path certs) {
        agentNode = node(workload);
        return Map.of("GRPC_XDS_BOOTSTRAP", bootstrap(workload, certs).toAbsolutePath().toString(),
                "POD_NAMESPACE", "default");
    }

    /** The injected workload whose environment {@link #agentEnvironment} gave: its ACKs are waited for too. */
    @Override
    public synchronized void addAgent(Supplier<String> configDump) {
        agents.put(Objects.requireNonNull(agentNode, "agentEnvironment first"), configDump);
    }

    @Override
    public String describe() {
        return "an embedded xDS server (ADS) on 127.0.0.1:" + server.getPort() + "; each scenario's YAML is"
                + " translated into the clusters, endpoints and routes istiod sends a sidecar (files kept in "
                + directory + "), and for the servers into the inbound listeners istiod sends a proxyless gRPC"
                + " server (PeerAuthentication as mTLS filter chains, AuthorizationPolicy as RBAC filters)";
    }

    @Override
    public Mesh mesh(String workload, Path certs) {
        Mesh mesh = Mesh.builder().xdsBootstrap(bootstrap(workload, certs)).namespace("default").build();
        meshes.put(node(workload), mesh);
        return mesh;
    }

    private static String node(String workload) {
        return "sidecar~127.0.0.1~" + workload + "-v1.default~default.svc.cluster.local";
    }

    /** The workload's bootstrap file: this server, its node, and its certificates as the file_watcher provider. */
    private Path bootstrap(String workload, Path certs) {
        String node = node(workload);
        String bootstrap = """
                {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                                  "server_features": ["xds_v3"]}],
                 "node": {"id": "%s", "cluster": "%s.default", "metadata": {"NAMESPACE": "default"}},
                 "certificate_providers": {"default": {"plugin_name": "file_watcher", "config": {
                     "certificate_file": "%s", "private_key_file": "%s", "ca_certificate_file": "%s",
                     "refresh_interval": "60s"}}}}
                """.formatted(server.getPort(), node, workload, json(certs.resolve(ClientTlsPolicy.CERT_CHAIN)),
                json(certs.resolve(ClientTlsPolicy.KEY)), json(certs.resolve(ClientTlsPolicy.ROOT_CERT)));
        Path file = directory.resolve("bootstrap-" + workload + ".json");
        try {
            return Files.writeString(file, bootstrap);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A server's mesh takes its config from this control plane too, with istio-agent's
     * {@code server_listener_resource_name_template}: the inbound listener of each port it serves is built here from
     * the PeerAuthentication and AuthorizationPolicies that select {@code labels}.
     */
    @Override
    public Mesh serverMesh(String workload, Map<String, String> labels, Path certs) {
        String node = "sidecar~127.0.0.1~" + workload + "-server.default~default.svc.cluster.local";
        servers.put(node, new ServerNode(Map.copyOf(labels), ConcurrentHashMap.newKeySet()));
        String bootstrap = """
                {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                                  "server_features": ["xds_v3"]}],
                 "node": {"id": "%s", "cluster": "%s.default", "metadata": {"NAMESPACE": "default"}},
                 "certificate_providers": {"default": {"plugin_name": "file_watcher", "config": {
                     "certificate_file": "%s", "private_key_file": "%s", "ca_certificate_file": "%s",
                     "refresh_interval": "60s"}}},
                 "server_listener_resource_name_template": "%s"}
                """.formatted(server.getPort(), node, workload, json(certs.resolve(ClientTlsPolicy.CERT_CHAIN)),
                json(certs.resolve(ClientTlsPolicy.KEY)), json(certs.resolve(ClientTlsPolicy.ROOT_CERT)),
                InboundToEnvoy.TEMPLATE);
        Path file = directory.resolve("bootstrap-" + workload + "-server.json");
        try {
            Files.writeString(file, bootstrap);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Servers start before the first config is applied: their meshes must not wait for it (they refuse calls
        // until their inbound listeners arrive).
        XdsConfigSource source = XdsConfigSource.builder(XdsBootstrap.read(file)).namespace("default").start();
        serverSources.add(source);
        Mesh mesh = Mesh.builder().configSource(source).namespace("default").sourceLabels(labels)
                .istioCertificates(certs).build();
        meshes.put(node, mesh);
        return mesh;
    }

    /** A server workload: its labels and the inbound listener names it asked for. */
    private record ServerNode(Map<String, String> labels, Set<String> inbound) {
    }

    /**
     * (Re)sets the snapshot: the config in force and every server's inbound listeners, under the version in force
     * (a server asking for a new listener gets it without a new version).
     */
    private void serve() {
        synchronized (snapshots) {
            if (envoy == null) {
                return; // the first apply serves it
            }
            List<Listener> listeners = new ArrayList<>();
            for (ServerNode s : servers.values()) {
                InboundPolicy policy = InboundPolicy.compile(inboundConfig, "default", s.labels());
                // java-control-plane's cache answers a named watch only when its resources changed; istiod pushes
                // a server's listeners with every version, so each version's differ (in their stat prefix).
                s.inbound().stream().sorted().forEach(n -> listeners.add(InboundToEnvoy.listener(n,
                        InboundToEnvoy.port(n), policy).toBuilder().setStatPrefix("inbound-v" + snapshotVersion)
                        .build()));
            }
            cache.setSnapshot(GROUP, Snapshot.create(envoy.clusters(), envoy.endpoints(), listeners, envoy.routes(),
                    List.of(), snapshotVersion));
        }
    }

    /** The absolute path as the inside of a JSON string. */
    private static String json(Path p) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(p.toAbsolutePath().toString()));
    }

    @Override
    public synchronized Applied apply(List<String> pieces) {
        long start = System.nanoTime();
        Path rendered = directory.resolve("step-" + (++step));
        List<Path> files = examples.render(pieces, rendered, ports);
        LoadedConfig loaded = ConfigLoader.create().withDefaultNamespace("default").load(List.of(rendered));
        if (loaded.hasErrors()) {
            throw new IllegalStateException("the rendered config of " + pieces + " is invalid:\n" + loaded.errors()
                    .stream().map(Problem::format).collect(Collectors.joining("\n")));
        }
        IstioToEnvoy.Resources translated = IstioToEnvoy.translate(loaded.resources(), "default");
        String v = Integer.toString(++version);
        synchronized (snapshots) {
            envoy = translated;
            inboundConfig = MeshConfig.of(loaded.resources());
            snapshotVersion = v;
            serve();
        }
        long deadline = System.nanoTime() + UPDATE_LIMIT.toNanos();
        for (Map.Entry<String, Mesh> e : meshes.entrySet()) {
            String node = e.getKey();
            ServerNode serverNode = servers.get(node);
            List<String> types = serverNode != null && !serverNode.inbound().isEmpty() ? SERVER_TYPES : TYPES;
            while (!types.stream().allMatch(t -> v.equals(acked.get(node + " " + t)))) {
                if (!nacks.isEmpty()) {
                    throw new IllegalStateException("xDS update " + v + " was rejected: " + nacks);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("a mesh did not ACK xDS version " + v + " within " + UPDATE_LIMIT
                            + ": " + node + " has " + types.stream().map(t -> t.substring(t.lastIndexOf('.') + 1)
                            + "=" + acked.get(node + " " + t)).toList());
                }
                FileConfigDriver.sleep(5);
            }
            // The ACK goes out just before the mesh compiles the new snapshot: wait until the source's config is
            // the mesh's and has stayed so for a moment.
            Mesh mesh = e.getValue();
            MeshConfig seen = null;
            while (true) {
                MeshConfig now = mesh.config();
                if (now == mesh.source().current() && now == seen) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("a mesh did not apply xDS version " + v + " within "
                            + UPDATE_LIMIT);
                }
                seen = now;
                FileConfigDriver.sleep(50);
            }
        }
        // An injected workload's mesh is in another JVM: once it ACKed, its config dump settles when the new
        // snapshot is published (its meshConfigVersion and the resources' versions and update times).
        for (Map.Entry<String, Supplier<String>> agent : agents.entrySet()) {
            awaitAck(agent.getKey(), v, deadline);
            String seen = null;
            while (true) {
                String now = agent.getValue().get();
                if (now != null && now.equals(seen)) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the injected " + agent.getKey() + " did not apply xDS version "
                            + v + " within " + UPDATE_LIMIT + "; its config dump:\n" + now);
                }
                seen = now;
                FileConfigDriver.sleep(50);
            }
        }
        List<String> warnings = loaded.warnings().stream()
                .map(p -> p.format().replace(rendered + java.io.File.separator, "")).toList();
        return new Applied(files, warnings, Duration.ofNanos(System.nanoTime() - start));
    }

    private void awaitAck(String node, String v, long deadline) {
        while (!TYPES.stream().allMatch(t -> v.equals(acked.get(node + " " + t)))) {
            if (!nacks.isEmpty()) {
                throw new IllegalStateException("xDS update " + v + " was rejected: " + nacks);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(node + " did not ACK xDS version " + v + " within " + UPDATE_LIMIT);
            }
            FileConfigDriver.sleep(5);
        }
    }

    @Override
    public void close() {
        serverSources.forEach(XdsConfigSource::close);
        server.shutdownNow();
        try {
            server.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
