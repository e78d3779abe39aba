package io.proxyless.mesh.examples;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.api.loader.LoadedConfig;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.tls.ClientTlsPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * xDS mode: an embedded control plane (java-control-plane's ADS server over a snapshot cache, on 127.0.0.1) serves
 * each scenario to the workloads' meshes, which connect with an xDS bootstrap as a proxyless client connects to
 * istiod. Each scenario's example YAML is rendered as in file mode, then translated by {@link IstioToEnvoy} into
 * the clusters, endpoints and routes istiod would send; the meshes translate them back into their routing tables.
 * {@link #apply} waits until every mesh has ACKed the new version and routes with it.
 */
final class XdsConfigDriver implements ConfigDriver {
    private static final String GROUP = "bookinfo";
    private static final Duration UPDATE_LIMIT = Duration.ofSeconds(20);
    private static final List<String> TYPES = List.of(
            "type.googleapis.com/envoy.config.cluster.v3.Cluster",
            "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
            "type.googleapis.com/envoy.config.route.v3.RouteConfiguration");

    private final ExampleFiles examples;
    private final Path directory;
    private final Map<Integer, Integer> ports;
    private final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
    private final Server server;
    private final Map<Long, String> nodeByStream = new ConcurrentHashMap<>();
    private final Map<String, String> acked = new ConcurrentHashMap<>();
    private final List<String> nacks = new CopyOnWriteArrayList<>();
    private final Map<String, Mesh> meshes = new ConcurrentHashMap<>();
    private final FileConfigDriver inbound;
    private int version;
    private int step;

    XdsConfigDriver(ExampleFiles examples, Path directory, Map<Integer, Integer> ports) {
        this.examples = examples;
        this.directory = directory;
        this.ports = ports;
        this.inbound = new FileConfigDriver(examples, directory.resolve("inbound"), ports);
        V3DiscoveryServer discovery = new V3DiscoveryServer(new DiscoveryServerCallbacks() {
            @Override
            public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
                if (request.hasNode()) {
                    nodeByStream.put(streamId, request.getNode().getId());
                }
                String node = nodeByStream.get(streamId);
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

    /** The agent does not read xDS yet: {@code --agent} runs with config from files. */
    @Override
    public Map<String, String> agentEnvironment() {
        throw new UnsupportedOperationException("the agent takes its config from files; run --agent without --xds");
    }

    @Override
    public void addAgent(Supplier<String> configDump) {
        throw new UnsupportedOperationException("the agent takes its config from files; run --agent without --xds");
    }

    @Override
    public String describe() {
        return "an embedded xDS server (ADS) on 127.0.0.1:" + server.getPort() + "; each scenario's YAML is"
                + " translated into the clusters, endpoints and routes istiod sends a sidecar (files kept in "
                + directory + "); the servers' PeerAuthentication and AuthorizationPolicies from watched files in "
                + directory.resolve("inbound");
    }

    @Override
    public Mesh mesh(String workload, Path certs) {
        String node = "sidecar~127.0.0.1~" + workload + "-v1.default~default.svc.cluster.local";
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
            Files.writeString(file, bootstrap);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Mesh mesh = Mesh.builder().xdsBootstrap(file).namespace("default").build();
        meshes.put(node, mesh);
        return mesh;
    }

    /**
     * This control plane serves what a proxyless client asks for (clusters, endpoints, routes), not the inbound
     * listeners istiod sends a proxyless gRPC server: the servers' meshes read the same example config from files.
     */
    @Override
    public Mesh serverMesh(String workload, Map<String, String> labels, Path certs) {
        return inbound.serverMesh(workload, labels, certs);
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
        IstioToEnvoy.Resources envoy = IstioToEnvoy.translate(loaded.resources(), "default");
        String v = Integer.toString(++version);
        cache.setSnapshot(GROUP, Snapshot.create(envoy.clusters(), envoy.endpoints(), List.of(), envoy.routes(),
                List.of(), v));
        long deadline = System.nanoTime() + UPDATE_LIMIT.toNanos();
        for (Map.Entry<String, Mesh> e : meshes.entrySet()) {
            String node = e.getKey();
            while (!TYPES.stream().allMatch(t -> v.equals(acked.get(node + " " + t)))) {
                if (!nacks.isEmpty()) {
                    throw new IllegalStateException("xDS update " + v + " was rejected: " + nacks);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("a mesh did not ACK xDS version " + v + " within " + UPDATE_LIMIT);
                }
                FileConfigDriver.sleep(5);
            }
            // The ACK goes out just before the mesh compiles the new snapshot: wait until the source's config is
            // the mesh's and has stayed so for a moment.
            Mesh mesh = e.getValue();
            MeshConfig seen = null;
            while (true) {
                MeshConfig now = mesh.snapshot().config();
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
        inbound.apply(pieces);
        List<String> warnings = loaded.warnings().stream()
                .map(p -> p.format().replace(rendered + java.io.File.separator, "")).toList();
        return new Applied(files, warnings, Duration.ofNanos(System.nanoTime() - start));
    }

    @Override
    public void close() {
        inbound.close();
        server.shutdownNow();
        try {
            server.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
