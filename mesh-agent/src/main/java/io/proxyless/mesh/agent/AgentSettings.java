package io.proxyless.mesh.agent;

import com.google.common.base.Splitter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The agent's configuration, read the way injection configures a sidecar: from the environment, with the agent
 * arguments ({@code -javaagent:mesh-agent.jar=configPaths=/etc/mesh,namespace=shop}) taking precedence key by key.
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>agent argument</th><th>environment</th><th>meaning</th></tr>
 *   <tr><td>{@code configPaths}</td><td>{@code MESH_CONFIG_PATHS}</td><td>Istio YAML files or directories,
 *       separated by {@code :} (the platform's path separator); watched and reloaded</td></tr>
 *   <tr><td>{@code xdsBootstrap}</td><td>{@code GRPC_XDS_BOOTSTRAP}</td><td>grpc-java xDS bootstrap file</td></tr>
 *   <tr><td>{@code xdsBootstrapConfig}</td><td>{@code GRPC_XDS_BOOTSTRAP_CONFIG}</td>
 *       <td>the bootstrap JSON itself</td></tr>
 *   <tr><td>{@code namespace}</td><td>{@code POD_NAMESPACE}</td><td>the workload's namespace</td></tr>
 *   <tr><td>{@code certsDir}</td><td>{@code MESH_CERTS_DIR}</td><td>workload certificates for ISTIO_MUTUAL
 *       ({@code cert-chain.pem}, {@code key.pem}, {@code root-cert.pem}); default: the first of Istio's
 *       locations, {@code /var/run/secrets/workload-spiffe-credentials} and {@code /etc/certs}, that holds all
 *       three</td></tr>
 *   <tr><td>{@code metricsPort}</td><td>{@code MESH_METRICS_PORT}</td><td>the port of Istio's metrics at
 *       {@code /stats/prometheus} (default 15020, a sidecar's), or {@code off}</td></tr>
 *   <tr><td>{@code adminPort}</td><td>{@code MESH_ADMIN_PORT}</td><td>the port of the config dump at
 *       {@code 127.0.0.1:PORT/config_dump} (default 15000, Envoy's admin port in a sidecar), or {@code off}</td></tr>
 *   <tr><td>{@code disabled}</td><td>{@code MESH_AGENT_DISABLED}</td><td>{@code true}: the agent does nothing</td></tr>
 * </table>
 *
 * @param configPaths        config files or directories; empty when the config comes from xDS or is missing
 * @param xdsBootstrap       the xDS bootstrap file, or null
 * @param xdsBootstrapConfig the xDS bootstrap JSON, or null
 * @param namespace          the workload's namespace, or null (the mesh's default, {@code default})
 * @param certsDir           the workload certificate directory, or null when none was found
 * @param metricsPort        where metrics are served, or null when they are off
 * @param adminPort          where the config dump is served (on 127.0.0.1), or null when it is off
 * @param disabled           whether the agent was switched off
 */
public record AgentSettings(List<Path> configPaths, Path xdsBootstrap, String xdsBootstrapConfig, String namespace,
                            Path certsDir, Integer metricsPort, Integer adminPort, boolean disabled) {

    /** Where a sidecar serves its merged metrics. */
    public static final int DEFAULT_METRICS_PORT = 15020;

    /** Where a sidecar's Envoy serves its admin interface ({@code /config_dump}), on the loopback address. */
    public static final int DEFAULT_ADMIN_PORT = 15000;

    /**
     * Where Istio's agent finds file-mounted workload certificates, in its order: the workload identity
     * directory, which it prefers when it holds all three files, then the older {@code /etc/certs}. Both hold
     * {@link #CERT_FILES}.
     */
    static final List<Path> ISTIO_CERT_DIRS = List.of(Path.of("/var/run/secrets/workload-spiffe-credentials"),
            Path.of("/etc/certs"));

    /** Istio's file names in each of {@link #ISTIO_CERT_DIRS}: certificate chain, private key, root. */
    static final List<String> CERT_FILES = List.of("cert-chain.pem", "key.pem", "root-cert.pem");

    /** Agent argument → environment variable. */
    static final Map<String, String> KEYS = keys();

    public AgentSettings {
        configPaths = List.copyOf(configPaths);
    }

    private static Map<String, String> keys() {
        Map<String, String> k = new LinkedHashMap<>();
        k.put("configPaths", "MESH_CONFIG_PATHS");
        k.put("xdsBootstrap", "GRPC_XDS_BOOTSTRAP");
        k.put("xdsBootstrapConfig", "GRPC_XDS_BOOTSTRAP_CONFIG");
        k.put("namespace", "POD_NAMESPACE");
        k.put("certsDir", "MESH_CERTS_DIR");
        k.put("metricsPort", "MESH_METRICS_PORT");
        k.put("adminPort", "MESH_ADMIN_PORT");
        k.put("disabled", "MESH_AGENT_DISABLED");
        return java.util.Collections.unmodifiableMap(k);
    }

    /**
     * The settings from {@code agentArgs} (may be null or empty) over {@code env}.
     *
     * @throws IllegalArgumentException for an argument that is not {@code key=value} or an unknown key
     */
    public static AgentSettings read(String agentArgs, Function<String, String> env) {
        return read(agentArgs, env, ISTIO_CERT_DIRS);
    }

    /** As {@link #read(String, Function)}, looking for workload certificates in {@code istioCertDirs}. */
    static AgentSettings read(String agentArgs, Function<String, String> env, List<Path> istioCertDirs) {
        Map<String, String> args = parseArgs(agentArgs);
        Function<String, String> value = key -> {
            String v = args.containsKey(key) ? args.get(key) : env.apply(KEYS.get(key));
            return v == null || v.isBlank() ? null : v.trim();
        };
        List<Path> paths = new ArrayList<>();
        String configPaths = value.apply("configPaths");
        if (configPaths != null) {
            for (String p : Splitter.on(java.io.File.pathSeparatorChar).omitEmptyStrings().trimResults()
                    .split(configPaths)) {
                paths.add(Path.of(p));
            }
        }
        String xds = value.apply("xdsBootstrap");
        String certs = value.apply("certsDir");
        Path certsDir = certs != null ? Path.of(certs) : istioCertDir(istioCertDirs).orElse(null);
        return new AgentSettings(paths, xds == null ? null : Path.of(xds), value.apply("xdsBootstrapConfig"),
                value.apply("namespace"), certsDir,
                port("metricsPort", value.apply("metricsPort"), DEFAULT_METRICS_PORT),
                port("adminPort", value.apply("adminPort"), DEFAULT_ADMIN_PORT),
                "true".equalsIgnoreCase(value.apply("disabled")));
    }

    private static Integer port(String key, String value, int defaultPort) {
        if (value == null) {
            return defaultPort;
        }
        if (value.equalsIgnoreCase("off")) {
            return null;
        }
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException(key + " (" + KEYS.get(key) + ") must be a port number or off, not '"
                + value + "'");
    }

    /** Whether any config source is named at all. */
    public boolean hasConfig() {
        return !configPaths.isEmpty() || xdsBootstrap != null || xdsBootstrapConfig != null;
    }

    /** A one-line description for the start-up log. */
    public String describe() {
        String config = !configPaths.isEmpty() ? "config " + configPaths
                : xdsBootstrap != null ? "xDS bootstrap " + xdsBootstrap : "xDS bootstrap JSON";
        return config + ", namespace " + (namespace == null ? "default" : namespace)
                + (certsDir == null ? ", no workload certificates" : ", certificates " + certsDir)
                + (metricsPort == null ? ", metrics off" : ", metrics on :" + metricsPort + "/stats/prometheus")
                + (adminPort == null ? ", admin off" : ", config dump on 127.0.0.1:" + adminPort + "/config_dump");
    }

    /** The first directory that holds all of Istio's three files, as Istio's agent checks before it uses one. */
    private static Optional<Path> istioCertDir(List<Path> dirs) {
        return dirs.stream()
                .filter(d -> CERT_FILES.stream().allMatch(f -> Files.isReadable(d.resolve(f))))
                .findFirst();
    }

    private static Map<String, String> parseArgs(String agentArgs) {
        Map<String, String> out = new LinkedHashMap<>();
        if (agentArgs == null || agentArgs.isBlank()) {
            return out;
        }
        Set<String> known = KEYS.keySet();
        for (String pair : Splitter.on(',').omitEmptyStrings().trimResults().split(agentArgs)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("agent argument '" + pair + "' is not key=value (keys: "
                        + String.join(", ", known) + ")");
            }
            String key = pair.substring(0, eq).trim();
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unknown agent argument '" + key + "' (keys: "
                        + String.join(", ", known) + ")");
            }
            out.put(key, pair.substring(eq + 1));
        }
        return out;
    }
}
