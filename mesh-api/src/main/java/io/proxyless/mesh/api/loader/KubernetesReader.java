package io.proxyless.mesh.api.loader;

import io.proxyless.mesh.api.FieldLocations;
import io.proxyless.mesh.api.Metadata;
import io.proxyless.mesh.api.SourceInfo;
import io.proxyless.mesh.api.kubernetes.KubernetesService;
import io.proxyless.mesh.api.kubernetes.Pod;
import io.proxyless.mesh.api.kubernetes.ServiceEndpoints;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the few Kubernetes objects the mesh understands ({@code v1 Service}, {@code v1 Endpoints},
 * {@code v1 Pod}, {@code discovery.k8s.io/v1 EndpointSlice}) from a YAML document.
 *
 * <p>Unlike Istio resources these are read leniently, as istiod reads them from the API server: only the fields
 * the registry needs are looked at and anything else (status, clusterIP, container specs, ...) is ignored, so a
 * manifest taken as-is from a cluster or a chart loads. A field the registry needs with the wrong type is a
 * problem at its line.
 */
final class KubernetesReader {
    /** {@code apiVersion} → kinds read from it. */
    static final Map<String, Set<String>> KINDS = Map.of(
            "v1", Set.of("Service", "Endpoints", "Pod", "Namespace", "Node", "Secret"),
            "discovery.k8s.io/v1", Set.of("EndpointSlice"));

    /** Gateway API versions whose {@code Gateway} the analyses read (besides the loader's warning). */
    static final Set<String> GATEWAY_API_VERSIONS = Set.of("gateway.networking.k8s.io/v1",
            "gateway.networking.k8s.io/v1beta1");

    /** Where a problem goes: line, field path, message. */
    interface Problems {
        void error(int line, String path, String message);
    }

    private final String file;
    private final YamlNode.MapNode root;
    private final Metadata metadata;
    private final Problems problems;

    private KubernetesReader(String file, YamlNode.MapNode root, Metadata metadata, Problems problems) {
        this.file = file;
        this.root = root;
        this.metadata = metadata;
        this.problems = problems;
    }

    static boolean reads(String apiVersion, String kind) {
        return KINDS.getOrDefault(apiVersion, Set.of()).contains(kind);
    }

    /**
     * The objects a document holds: one, except for an {@code Endpoints} object, which yields one
     * {@link ServiceEndpoints} per subset.
     */
    static List<Object> read(String file, YamlNode.MapNode root, String kind, Metadata metadata, Problems problems) {
        KubernetesReader reader = new KubernetesReader(file, root, metadata, problems);
        return switch (kind) {
            case "Service" -> List.of(reader.service());
            case "Endpoints" -> List.copyOf(reader.endpoints());
            case "EndpointSlice" -> List.of(reader.endpointSlice());
            case "Pod" -> List.of(reader.pod());
            case "Namespace", "Node" -> List.of(metadata);
            case "Secret" -> List.of(reader.secret());
            default -> List.of();
        };
    }

    /** Labels or annotations of {@code metadata}, read leniently (non-string values as their text). */
    static Map<String, String> metadataMap(YamlNode.MapNode metadata, String key) {
        Map<String, String> out = new LinkedHashMap<>();
        if (metadata != null && metadata.get(key) instanceof YamlNode.MapNode m) {
            for (YamlNode.Entry e : m.entries()) {
                if (e.value() instanceof YamlNode.ScalarNode s && !s.isNull()) {
                    out.put(e.key(), s.text());
                }
            }
        }
        return out;
    }

    private SourceInfo source() {
        return new SourceInfo(file, new FieldLocations(root.line(), LocationIndex.of(root)));
    }

    private KubernetesService service() {
        YamlNode.MapNode spec = map(root, "spec", "spec");
        List<KubernetesService.Port> ports = new ArrayList<>();
        List<YamlNode> portNodes = list(spec, "ports", "spec.ports");
        for (int i = 0; i < portNodes.size(); i++) {
            String at = "spec.ports[" + i + "]";
            if (!(portNodes.get(i) instanceof YamlNode.MapNode port)) {
                problems.error(portNodes.get(i).line(), at, "expected a map, got " + portNodes.get(i).describe());
                continue;
            }
            Integer number = integer(port, "port", at + ".port");
            if (number == null) {
                if (port.get("port") == null) {
                    problems.error(port.line(), at + ".port", "required");
                }
                continue;
            }
            ports.add(new KubernetesService.Port(string(port, "name", at + ".name"), number,
                    scalar(port, "targetPort"), string(port, "protocol", at + ".protocol"),
                    string(port, "appProtocol", at + ".appProtocol")));
        }
        return new KubernetesService(metadata, string(spec, "type", "spec.type"),
                stringMap(spec, "selector", "spec.selector"), ports, string(spec, "externalName", "spec.externalName"),
                source());
    }

    private io.proxyless.mesh.api.kubernetes.Secret secret() {
        Map<String, String> data = new LinkedHashMap<>();
        for (YamlNode.Entry e : map(root, "data", "data").entries()) {
            if (e.value() instanceof YamlNode.ScalarNode s && !s.isNull()) {
                data.put(e.key(), s.text());
            }
        }
        for (YamlNode.Entry e : map(root, "stringData", "stringData").entries()) {
            if (e.value() instanceof YamlNode.ScalarNode s && !s.isNull()) {
                data.put(e.key(), java.util.Base64.getEncoder().encodeToString(
                        s.text().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
        }
        return new io.proxyless.mesh.api.kubernetes.Secret(metadata, scalar(root, "type"), data, source());
    }

    /** The listener host names of a Gateway API Gateway (empty for a listener without one). */
    static io.proxyless.mesh.api.kubernetes.KubernetesGateway gateway(YamlNode.MapNode root, Metadata metadata) {
        List<String> hostnames = new ArrayList<>();
        if (root.get("spec") instanceof YamlNode.MapNode spec && spec.get("listeners") instanceof YamlNode.ListNode l) {
            for (YamlNode item : l.items()) {
                if (item instanceof YamlNode.MapNode listener) {
                    String hostname = scalar(listener, "hostname");
                    hostnames.add(hostname == null ? "" : hostname);
                }
            }
        }
        return new io.proxyless.mesh.api.kubernetes.KubernetesGateway(metadata, hostnames);
    }

    private Pod pod() {
        YamlNode.MapNode spec = map(root, "spec", "spec");
        YamlNode.MapNode status = map(root, "status", "status");
        return new Pod(metadata, string(spec, "nodeName", "spec.nodeName"), string(status, "podIP", "status.podIP"),
                source());
    }

    private ServiceEndpoints endpointSlice() {
        String service = metadata.labels().get(ServiceEndpoints.SERVICE_NAME_LABEL);
        List<ServiceEndpoints.EndpointPort> ports = endpointPorts(root, "ports");
        List<ServiceEndpoints.Endpoint> endpoints = new ArrayList<>();
        List<YamlNode> items = list(root, "endpoints", "endpoints");
        for (int i = 0; i < items.size(); i++) {
            String at = "endpoints[" + i + "]";
            if (!(items.get(i) instanceof YamlNode.MapNode endpoint)) {
                problems.error(items.get(i).line(), at, "expected a map, got " + items.get(i).describe());
                continue;
            }
            YamlNode.MapNode conditions = map(endpoint, "conditions", at + ".conditions");
            // Kubernetes: a missing "ready" condition means ready.
            boolean ready = !"false".equals(scalar(conditions, "ready"));
            String pod = podRef(endpoint, at);
            String zone = string(endpoint, "zone", at + ".zone");
            for (String address : strings(endpoint, "addresses", at + ".addresses")) {
                endpoints.add(new ServiceEndpoints.Endpoint(address, ready, pod, zone));
            }
        }
        return new ServiceEndpoints("EndpointSlice", metadata.name(), metadata.namespace(), service, ports,
                endpoints, source());
    }

    /**
     * A {@code v1 Endpoints} object. Its subsets may list different ports, and each subset's addresses serve
     * that subset's ports, so each subset becomes one {@link ServiceEndpoints}.
     */
    private List<ServiceEndpoints> endpoints() {
        List<ServiceEndpoints> result = new ArrayList<>();
        List<YamlNode> subsets = list(root, "subsets", "subsets");
        for (int i = 0; i < subsets.size(); i++) {
            String at = "subsets[" + i + "]";
            if (!(subsets.get(i) instanceof YamlNode.MapNode subset)) {
                problems.error(subsets.get(i).line(), at, "expected a map, got " + subsets.get(i).describe());
                continue;
            }
            List<ServiceEndpoints.Endpoint> endpoints = new ArrayList<>();
            addresses(subset, "addresses", at, true, endpoints);
            addresses(subset, "notReadyAddresses", at, false, endpoints);
            result.add(new ServiceEndpoints("Endpoints", metadata.name(), metadata.namespace(), metadata.name(),
                    endpointPorts(subset, "ports"), endpoints, source()));
        }
        return result;
    }

    private void addresses(YamlNode.MapNode subset, String key, String at, boolean ready,
                           List<ServiceEndpoints.Endpoint> out) {
        List<YamlNode> items = list(subset, key, at + "." + key);
        for (int i = 0; i < items.size(); i++) {
            String path = at + "." + key + "[" + i + "]";
            if (items.get(i) instanceof YamlNode.MapNode address) {
                String ip = string(address, "ip", path + ".ip");
                if (ip != null) {
                    out.add(new ServiceEndpoints.Endpoint(ip, ready, podRef(address, path), null));
                }
            }
        }
    }

    private String podRef(YamlNode.MapNode endpoint, String at) {
        YamlNode.MapNode ref = map(endpoint, "targetRef", at + ".targetRef");
        if (ref.entries().isEmpty() || !"Pod".equals(scalar(ref, "kind"))) {
            return null;
        }
        return scalar(ref, "name");
    }

    private List<ServiceEndpoints.EndpointPort> endpointPorts(YamlNode.MapNode parent, String key) {
        List<ServiceEndpoints.EndpointPort> ports = new ArrayList<>();
        for (YamlNode node : list(parent, key, key)) {
            if (node instanceof YamlNode.MapNode port) {
                Integer number = integer(port, "port", key + ".port");
                if (number != null) {
                    ports.add(new ServiceEndpoints.EndpointPort(scalar(port, "name"), number, scalar(port, "protocol"),
                            scalar(port, "appProtocol")));
                }
            }
        }
        return ports;
    }

    // ---------------------------------------------------------------- lenient field access

    private YamlNode.MapNode map(YamlNode.MapNode parent, String key, String path) {
        YamlNode node = parent.get(key);
        if (node instanceof YamlNode.MapNode m) {
            return m;
        }
        if (node != null && !(node instanceof YamlNode.ScalarNode s && s.isNull())) {
            problems.error(node.line(), path, "expected a map, got " + node.describe());
        }
        return new YamlNode.MapNode(List.of(), parent.line());
    }

    private List<YamlNode> list(YamlNode.MapNode parent, String key, String path) {
        YamlNode node = parent.get(key);
        if (node instanceof YamlNode.ListNode l) {
            return l.items();
        }
        if (node != null && !(node instanceof YamlNode.ScalarNode s && s.isNull())) {
            problems.error(node.line(), path, "expected a list, got " + node.describe());
        }
        return List.of();
    }

    /** Any scalar as text (a port name or a number), null when absent or not a scalar. */
    private static String scalar(YamlNode.MapNode parent, String key) {
        return parent.get(key) instanceof YamlNode.ScalarNode s && !s.isNull() ? s.text() : null;
    }

    private String string(YamlNode.MapNode parent, String key, String path) {
        YamlNode node = parent.get(key);
        if (node == null || node instanceof YamlNode.ScalarNode s && s.isNull()) {
            return null;
        }
        if (node instanceof YamlNode.ScalarNode s && s.type() == YamlNode.ScalarType.STRING) {
            return s.text();
        }
        problems.error(node.line(), path, "expected a string, got " + node.describe());
        return null;
    }

    private Integer integer(YamlNode.MapNode parent, String key, String path) {
        YamlNode node = parent.get(key);
        if (node == null || node instanceof YamlNode.ScalarNode s && s.isNull()) {
            return null;
        }
        if (node instanceof YamlNode.ScalarNode s && s.type() == YamlNode.ScalarType.INTEGER) {
            try {
                int value = Integer.parseInt(s.text());
                if (value >= 1 && value <= 65535) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        problems.error(node.line(), path, "expected a port number between 1 and 65535, got " + node.describe());
        return null;
    }

    private List<String> strings(YamlNode.MapNode parent, String key, String path) {
        List<String> out = new ArrayList<>();
        List<YamlNode> items = list(parent, key, path);
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) instanceof YamlNode.ScalarNode s && s.type() == YamlNode.ScalarType.STRING) {
                out.add(s.text());
            } else {
                problems.error(items.get(i).line(), path + "[" + i + "]", "expected a string, got "
                        + items.get(i).describe());
            }
        }
        return out;
    }

    private Map<String, String> stringMap(YamlNode.MapNode parent, String key, String path) {
        Map<String, String> out = new LinkedHashMap<>();
        for (YamlNode.Entry e : map(parent, key, path).entries()) {
            if (e.value() instanceof YamlNode.ScalarNode s && !s.isNull()) {
                out.put(e.key(), s.text());
            } else {
                problems.error(e.keyLine(), path + "." + e.key(), "expected a string, got " + e.value().describe());
            }
        }
        return out;
    }
}
