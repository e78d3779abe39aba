package io.proxyless.mesh.xds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.proxyless.mesh.api.loader.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * An xDS bootstrap in grpc-java's format: which control plane to talk to, how, and who this client is.
 *
 * <pre>{@code
 * XdsBootstrap bootstrap = XdsBootstrap.read(Path.of("/etc/istio/proxy/grpc-bootstrap.json"));
 * Optional<XdsBootstrap> fromEnv = XdsBootstrap.fromEnvironment();   // GRPC_XDS_BOOTSTRAP(_CONFIG)
 * }</pre>
 *
 * <p>The same file istio-agent writes for proxyless gRPC works unchanged:
 * <pre>{@code
 * {
 *   "xds_servers": [{"server_uri": "unix:///etc/istio/proxy/XDS", "channel_creds": [{"type": "insecure"}],
 *                    "server_features": ["xds_v3"]}],
 *   "node": {"id": "sidecar~10.1.2.3~app-1.shop~shop.svc.cluster.local",
 *            "metadata": {"GENERATOR": "grpc", "NAMESPACE": "shop"},
 *            "locality": {"region": "us-east1", "zone": "us-east1-b"}},
 *   "certificate_providers": {"default": {"plugin_name": "file_watcher", "config": {
 *       "certificate_file": "/var/lib/istio/data/cert-chain.pem", "private_key_file": "/var/lib/istio/data/key.pem",
 *       "ca_certificate_file": "/var/lib/istio/data/root-cert.pem", "refresh_interval": "900s"}}},
 *   "server_listener_resource_name_template": "xds.istio.io/grpc/lds/inbound/%s"
 * }
 * }</pre>
 *
 * <p>Unknown fields and wrong types are errors that name the field ({@link XdsBootstrapException}): a typo in a
 * bootstrap must not silently connect the client to nothing. Fields grpc-java knows but the mesh has no use for
 * (federation's {@code authorities} and {@code client_default_listener_resource_name_template}) are accepted and
 * reported in {@link #warnings()}.
 *
 * @param servers              the control planes, in order; only the first is used (grpc-java's fallback to the
 *                             next one is not implemented, and a warning says so)
 * @param node                 who this client is
 * @param certificateProviders {@code file_watcher} certificate providers by instance name; xDS TLS settings name
 *                             them ({@code default} and, for the CA, {@code ROOTCA} in Istio's configs)
 * @param warnings             accepted but ignored fields
 * @param origin               where the bootstrap came from (a path, an environment variable), for messages
 * @param serverListenerResourceNameTemplate the name of a server's inbound listener, {@code %s} standing for
 *                             {@code ip:port} ({@code xds.istio.io/grpc/lds/inbound/%s} from istio-agent), or null
 *                             when the bootstrap has none (servers then refuse calls: no inbound policy can arrive)
 */
public record XdsBootstrap(List<ServerInfo> servers, NodeInfo node, Map<String, CertificateProvider> certificateProviders,
                           List<String> warnings, String origin, String serverListenerResourceNameTemplate) {

    /** Environment variable naming a bootstrap file (grpc-java's). */
    public static final String BOOTSTRAP_FILE_ENV = "GRPC_XDS_BOOTSTRAP";
    /** Environment variable holding the bootstrap JSON itself (grpc-java's). */
    public static final String BOOTSTRAP_CONFIG_ENV = "GRPC_XDS_BOOTSTRAP_CONFIG";
    /** System property alternatives grpc-java also reads. */
    public static final String BOOTSTRAP_FILE_PROPERTY = "io.grpc.xds.bootstrap";
    public static final String BOOTSTRAP_CONFIG_PROPERTY = "io.grpc.xds.bootstrapConfig";

    /** Server feature: resources missing from a state-of-the-world LDS/CDS response are kept (gRFC A53). */
    public static final String FEATURE_IGNORE_RESOURCE_DELETION = "ignore_resource_deletion";
    /**
     * Server feature (ours): talk Delta (incremental) xDS to this server instead of state of the world. istiod
     * supports both; it turns delta off for nodes it serves as proxyless gRPC.
     */
    public static final String FEATURE_DELTA = "delta_xds";

    private static final Set<String> TOP_LEVEL = Set.of("xds_servers", "node", "certificate_providers",
            "server_listener_resource_name_template", "client_default_listener_resource_name_template",
            "authorities");
    private static final Set<String> SERVER_FIELDS = Set.of("server_uri", "channel_creds", "server_features",
            "ignore_resource_deletion");
    private static final Set<String> NODE_FIELDS = Set.of("id", "cluster", "locality", "metadata",
            "user_agent_name", "user_agent_version");
    private static final Set<String> LOCALITY_FIELDS = Set.of("region", "zone", "sub_zone");
    private static final Set<String> PROVIDER_FIELDS = Set.of("plugin_name", "config");
    private static final Set<String> FILE_WATCHER_FIELDS = Set.of("certificate_file", "private_key_file",
            "ca_certificate_file", "refresh_interval", "spiffe_trust_bundle_map_file");
    private static final ObjectMapper JSON = new ObjectMapper();

    public XdsBootstrap {
        servers = List.copyOf(servers);
        Objects.requireNonNull(node, "node");
        certificateProviders = Map.copyOf(certificateProviders);
        warnings = List.copyOf(warnings);
        origin = origin == null ? "bootstrap" : origin;
    }

    /** How to reach the control plane. */
    public enum ChannelCredentialsType {
        /** Plaintext: istio-agent's local socket, or a control plane on the same host. */
        INSECURE,
        /** TLS with the JVM's trusted roots. */
        TLS
    }

    /**
     * One {@code xds_servers} entry.
     *
     * @param uri         gRPC target, e.g. {@code istiod.istio-system.svc:15010} or {@code unix:///etc/istio/proxy/XDS}
     * @param credentials the first supported {@code channel_creds} type
     * @param features    {@code server_features}
     */
    public record ServerInfo(String uri, ChannelCredentialsType credentials, List<String> features) {
        public ServerInfo {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(credentials, "credentials");
            features = List.copyOf(features);
        }

        /** Whether this server is to be spoken to with Delta xDS ({@value #FEATURE_DELTA} server feature). */
        public boolean delta() {
            return features.contains(FEATURE_DELTA);
        }

        /** gRFC A53: keep resources a state-of-the-world response leaves out. */
        public boolean ignoreResourceDeletion() {
            return features.contains(FEATURE_IGNORE_RESOURCE_DELETION);
        }
    }

    /**
     * The {@code node} block, sent to the control plane on every stream.
     *
     * @param id       node id; Istio's form is {@code sidecar~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local}
     * @param cluster  service cluster, or empty
     * @param region   locality region, or empty
     * @param zone     locality zone, or empty
     * @param subZone  locality sub-zone, or empty
     * @param metadata free-form metadata (JSON values); istiod reads {@code GENERATOR}, {@code NAMESPACE},
     *                 {@code ISTIO_VERSION}, {@code LABELS}, ...
     */
    public record NodeInfo(String id, String cluster, String region, String zone, String subZone,
                           Map<String, Object> metadata) {
        public NodeInfo {
            id = id == null ? "" : id;
            cluster = cluster == null ? "" : cluster;
            region = region == null ? "" : region;
            zone = zone == null ? "" : zone;
            subZone = subZone == null ? "" : subZone;
            metadata = metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /** {@code region/zone/subzone}, as the mesh's locality-aware balancing expects; empty when unknown. */
        public String locality() {
            if (region.isEmpty() && zone.isEmpty() && subZone.isEmpty()) {
                return "";
            }
            return region + "/" + zone + "/" + subZone;
        }

        /**
         * istiod's proxyless gRPC generator serves this node ({@code metadata.GENERATOR = grpc}): listeners per
         * {@code host:port} with an {@code api_listener}. Otherwise istiod builds a sidecar's full config.
         */
        public boolean proxyless() {
            return "grpc".equals(metadata.get("GENERATOR"));
        }

        /**
         * The node's namespace: {@code metadata.NAMESPACE}, else the fourth {@code ~}-separated part of an Istio
         * node id ({@code POD.NAMESPACE}'s namespace).
         */
        public Optional<String> namespace() {
            Object ns = metadata.get("NAMESPACE");
            if (ns instanceof String s && !s.isEmpty()) {
                return Optional.of(s);
            }
            String[] parts = id.split("~");
            if (parts.length == 4) {
                int dot = parts[2].indexOf('.');
                if (dot > 0 && dot < parts[2].length() - 1) {
                    return Optional.of(parts[2].substring(dot + 1));
                }
            }
            return Optional.empty();
        }

        /** The node as sent on the wire, with the client's user agent. */
        public Node toProto() {
            Node.Builder b = Node.newBuilder().setId(id).setCluster(cluster)
                    .setUserAgentName("proxyless-mesh-java");
            if (!locality().isEmpty()) {
                b.setLocality(Locality.newBuilder().setRegion(region).setZone(zone).setSubZone(subZone));
            }
            if (!metadata.isEmpty()) {
                Struct.Builder s = Struct.newBuilder();
                metadata.forEach((k, v) -> s.putFields(k, toValue(v)));
                b.setMetadata(s);
            }
            return b.build();
        }
    }

    /**
     * A {@code file_watcher} certificate provider: PEM files that istio-agent (or cert-manager, ...) keeps fresh.
     *
     * @param name                instance name ({@code default} in Istio's bootstrap)
     * @param certificateFile     certificate chain, or null
     * @param privateKeyFile      private key, or null
     * @param caCertificateFile   trusted roots, or null
     * @param refreshInterval     how often the files are re-read (grpc-java's default 10 minutes)
     */
    public record CertificateProvider(String name, String certificateFile, String privateKeyFile,
                                      String caCertificateFile, Duration refreshInterval) {
    }

    /** The first server: the one this client talks to. */
    public ServerInfo server() {
        return servers.get(0);
    }

    /** Reads and checks a bootstrap file. */
    public static XdsBootstrap read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new XdsBootstrapException("cannot read xDS bootstrap " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /**
     * The bootstrap named by the environment, as grpc-java finds it: {@value #BOOTSTRAP_FILE_ENV} (a file), else
     * {@value #BOOTSTRAP_CONFIG_ENV} (the JSON itself), else the system properties {@code io.grpc.xds.bootstrap}
     * and {@code io.grpc.xds.bootstrapConfig}. Empty when none is set.
     */
    public static Optional<XdsBootstrap> fromEnvironment() {
        return fromEnvironment(System::getenv, System::getProperty);
    }

    static Optional<XdsBootstrap> fromEnvironment(Function<String, String> env, Function<String, String> properties) {
        String file = firstNonEmpty(env.apply(BOOTSTRAP_FILE_ENV), properties.apply(BOOTSTRAP_FILE_PROPERTY));
        if (file != null) {
            return Optional.of(read(Path.of(file)));
        }
        String config = env.apply(BOOTSTRAP_CONFIG_ENV);
        if (config != null && !config.isBlank()) {
            return Optional.of(parse(config, "$" + BOOTSTRAP_CONFIG_ENV));
        }
        config = properties.apply(BOOTSTRAP_CONFIG_PROPERTY);
        if (config != null && !config.isBlank()) {
            return Optional.of(parse(config, "-D" + BOOTSTRAP_CONFIG_PROPERTY));
        }
        return Optional.empty();
    }

    /**
     * Parses bootstrap JSON.
     *
     * @param origin where it came from, used in error messages
     * @throws XdsBootstrapException naming the first field that is unknown, missing or of the wrong type
     */
    public static XdsBootstrap parse(String json, String origin) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new XdsBootstrapException("xDS bootstrap " + origin + " is not valid JSON: "
                    + e.getOriginalMessage());
        }
        Reader r = new Reader(origin);
        if (root == null || !root.isObject()) {
            throw r.fail("", "must be a JSON object");
        }
        r.onlyKnown(root, "", TOP_LEVEL);
        List<String> warnings = new ArrayList<>();

        JsonNode servers = root.get("xds_servers");
        if (servers == null || !servers.isArray() || servers.isEmpty()) {
            throw r.fail("xds_servers", "must be a non-empty list of servers");
        }
        List<ServerInfo> serverList = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            serverList.add(r.server(servers.get(i), "xds_servers[" + i + "]"));
        }
        if (serverList.size() > 1) {
            warnings.add("xds_servers: only the first server, " + serverList.get(0).uri()
                    + ", is used; fallback to the others is not supported");
        }

        NodeInfo node = r.node(root.get("node"));
        Map<String, CertificateProvider> providers = r.providers(root.get("certificate_providers"));
        String serverTemplate = root.has("server_listener_resource_name_template")
                ? r.string(root, "server_listener_resource_name_template", "server_listener_resource_name_template",
                false) : null;
        for (String ignored : List.of("client_default_listener_resource_name_template", "authorities")) {
            if (root.has(ignored)) {
                r.string(root, ignored, ignored, false);
                warnings.add(ignored + ": ignored; xDS federation is not supported");
            }
        }
        return new XdsBootstrap(serverList, node, providers, warnings, origin, serverTemplate);
    }

    private static String firstNonEmpty(String a, String b) {
        if (a != null && !a.isBlank()) {
            return a;
        }
        return b != null && !b.isBlank() ? b : null;
    }

    private static Value toValue(Object v) {
        if (v == null) {
            return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
        }
        if (v instanceof String s) {
            return Value.newBuilder().setStringValue(s).build();
        }
        if (v instanceof Boolean b) {
            return Value.newBuilder().setBoolValue(b).build();
        }
        if (v instanceof Number n) {
            return Value.newBuilder().setNumberValue(n.doubleValue()).build();
        }
        if (v instanceof Map<?, ?> m) {
            Struct.Builder s = Struct.newBuilder();
            m.forEach((k, x) -> s.putFields(String.valueOf(k), toValue(x)));
            return Value.newBuilder().setStructValue(s).build();
        }
        if (v instanceof List<?> l) {
            ListValue.Builder list = ListValue.newBuilder();
            l.forEach(x -> list.addValues(toValue(x)));
            return Value.newBuilder().setListValue(list).build();
        }
        return Value.newBuilder().setStringValue(String.valueOf(v)).build();
    }

    /** Field-by-field reading with errors that name the field. */
    private record Reader(String origin) {
        XdsBootstrapException fail(String path, String message) {
            return new XdsBootstrapException("xDS bootstrap " + origin + ": " + (path.isEmpty() ? "" : path + ": ")
                    + message);
        }

        void onlyKnown(JsonNode object, String path, Set<String> known) {
            Iterator<String> names = object.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!known.contains(name)) {
                    throw fail(path.isEmpty() ? name : path + "." + name, "unknown field; known fields are "
                            + known.stream().sorted().toList());
                }
            }
        }

        JsonNode object(JsonNode parent, String field, String path) {
            JsonNode n = parent.get(field);
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isObject()) {
                throw fail(path, "must be an object");
            }
            return n;
        }

        String string(JsonNode parent, String field, String path, boolean required) {
            JsonNode n = parent.get(field);
            if (n == null || n.isNull()) {
                if (required) {
                    throw fail(path, "is required");
                }
                return null;
            }
            if (!n.isTextual()) {
                throw fail(path, "must be a string");
            }
            return n.asText();
        }

        ServerInfo server(JsonNode s, String path) {
            if (!s.isObject()) {
                throw fail(path, "must be an object");
            }
            onlyKnown(s, path, SERVER_FIELDS);
            String uri = string(s, "server_uri", path + ".server_uri", true);
            if (uri.isBlank()) {
                throw fail(path + ".server_uri", "must not be empty");
            }
            JsonNode creds = s.get("channel_creds");
            if (creds == null || !creds.isArray() || creds.isEmpty()) {
                throw fail(path + ".channel_creds", "must be a non-empty list, e.g. [{\"type\": \"insecure\"}]");
            }
            ChannelCredentialsType chosen = null;
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < creds.size(); i++) {
                String cp = path + ".channel_creds[" + i + "]";
                JsonNode c = creds.get(i);
                if (!c.isObject()) {
                    throw fail(cp, "must be an object");
                }
                onlyKnown(c, cp, Set.of("type", "config"));
                String type = string(c, "type", cp + ".type", true);
                seen.add(type);
                // grpc-java takes the first type it supports, so a bootstrap may list preferences.
                if (chosen == null) {
                    if (type.equals("insecure")) {
                        chosen = ChannelCredentialsType.INSECURE;
                    } else if (type.equals("tls")) {
                        chosen = ChannelCredentialsType.TLS;
                    }
                }
            }
            if (chosen == null) {
                throw fail(path + ".channel_creds", "no supported type in " + seen
                        + "; supported: insecure, tls (google_default needs Google Cloud credentials, which the mesh"
                        + " does not carry)");
            }
            List<String> features = new ArrayList<>();
            JsonNode f = s.get("server_features");
            if (f != null && !f.isNull()) {
                if (!f.isArray()) {
                    throw fail(path + ".server_features", "must be a list of strings");
                }
                for (int i = 0; i < f.size(); i++) {
                    if (!f.get(i).isTextual()) {
                        throw fail(path + ".server_features[" + i + "]", "must be a string");
                    }
                    // Unknown features are allowed: the list is meant to grow, and grpc-java ignores them too.
                    features.add(f.get(i).asText());
                }
            }
            JsonNode ird = s.get("ignore_resource_deletion");
            if (ird != null && !ird.isNull()) {
                if (!ird.isBoolean()) {
                    throw fail(path + ".ignore_resource_deletion", "must be true or false");
                }
                if (ird.asBoolean() && !features.contains(FEATURE_IGNORE_RESOURCE_DELETION)) {
                    features.add(FEATURE_IGNORE_RESOURCE_DELETION);
                }
            }
            return new ServerInfo(uri, chosen, features);
        }

        NodeInfo node(JsonNode n) {
            if (n == null || n.isNull()) {
                return new NodeInfo("", "", "", "", "", Map.of());
            }
            if (!n.isObject()) {
                throw fail("node", "must be an object");
            }
            onlyKnown(n, "node", NODE_FIELDS);
            String id = string(n, "id", "node.id", false);
            String cluster = string(n, "cluster", "node.cluster", false);
            string(n, "user_agent_name", "node.user_agent_name", false);
            string(n, "user_agent_version", "node.user_agent_version", false);
            String region = null;
            String zone = null;
            String subZone = null;
            JsonNode loc = object(n, "locality", "node.locality");
            if (loc != null) {
                onlyKnown(loc, "node.locality", LOCALITY_FIELDS);
                region = string(loc, "region", "node.locality.region", false);
                zone = string(loc, "zone", "node.locality.zone", false);
                subZone = string(loc, "sub_zone", "node.locality.sub_zone", false);
            }
            Map<String, Object> metadata = Map.of();
            JsonNode md = object(n, "metadata", "node.metadata");
            if (md != null) {
                metadata = JSON.convertValue(md, JSON.getTypeFactory().constructMapType(LinkedHashMap.class,
                        String.class, Object.class));
            }
            return new NodeInfo(id, cluster, region, zone, subZone, metadata);
        }

        Map<String, CertificateProvider> providers(JsonNode n) {
            if (n == null || n.isNull()) {
                return Map.of();
            }
            if (!n.isObject()) {
                throw fail("certificate_providers", "must be an object of named providers");
            }
            Map<String, CertificateProvider> out = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String path = "certificate_providers." + e.getKey();
                JsonNode p = e.getValue();
                if (!p.isObject()) {
                    throw fail(path, "must be an object");
                }
                onlyKnown(p, path, PROVIDER_FIELDS);
                String plugin = string(p, "plugin_name", path + ".plugin_name", true);
                if (!plugin.equals("file_watcher")) {
                    throw fail(path + ".plugin_name", "unsupported plugin \"" + plugin
                            + "\"; only file_watcher is supported");
                }
                JsonNode c = object(p, "config", path + ".config");
                if (c == null) {
                    throw fail(path + ".config", "is required for file_watcher");
                }
                String cp = path + ".config";
                onlyKnown(c, cp, FILE_WATCHER_FIELDS);
                String cert = string(c, "certificate_file", cp + ".certificate_file", false);
                String key = string(c, "private_key_file", cp + ".private_key_file", false);
                String ca = string(c, "ca_certificate_file", cp + ".ca_certificate_file", false);
                if ((cert == null) != (key == null)) {
                    throw fail(cp, "certificate_file and private_key_file must be given together");
                }
                if (cert == null && ca == null) {
                    throw fail(cp, "needs certificate_file and private_key_file, or ca_certificate_file, or both");
                }
                if (c.has("spiffe_trust_bundle_map_file")) {
                    throw fail(cp + ".spiffe_trust_bundle_map_file", "not supported; use ca_certificate_file");
                }
                Duration refresh = Duration.ofMinutes(10);
                String interval = string(c, "refresh_interval", cp + ".refresh_interval", false);
                if (interval != null) {
                    refresh = Durations.parse(interval).filter(d -> !d.isNegative() && !d.isZero())
                            .orElseThrow(() -> fail(cp + ".refresh_interval",
                                    "\"" + interval + "\" is not a positive duration such as \"600s\""));
                }
                out.put(e.getKey(), new CertificateProvider(e.getKey(), cert, key, ca, refresh));
            }
            return out;
        }
    }
}
