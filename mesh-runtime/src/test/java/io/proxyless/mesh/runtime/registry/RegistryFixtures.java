package io.proxyless.mesh.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.api.loader.LoadedConfig;
import io.proxyless.mesh.runtime.config.MeshConfig;
import java.util.Map;

/** Builds registries from Istio YAML, the way users write it. */
final class RegistryFixtures {
    private RegistryFixtures() {
    }

    static MeshConfig config(String... documents) {
        LoadedConfig loaded = ConfigLoader.create().loadString("mesh.yaml", String.join("---\n", documents));
        assertThat(loaded.errors()).as("test config must be valid").isEmpty();
        return MeshConfig.of(loaded);
    }

    static ServiceRegistry registry(String clientNamespace, String... documents) {
        return ServiceRegistry.build(config(documents), RegistryOptions.of(clientNamespace));
    }

    static ServiceRegistry registry(String clientNamespace, Map<String, String> labels, String... documents) {
        return ServiceRegistry.build(config(documents), new RegistryOptions(clientNamespace, labels, null));
    }

    /** An HTTP ServiceEntry on port 80 with resolution NONE (hosts may be wildcards), exported as given. */
    static String passthrough(String namespace, String name, String host, String... exportTo) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s, namespace: %s}
                spec:
                  hosts: ["%s"]
                  location: MESH_EXTERNAL
                  resolution: NONE
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                %s""".formatted(name, namespace, host, exportTo(exportTo));
    }

    /** An HTTP ServiceEntry on port 80 with one STATIC endpoint, exported as given. */
    static String staticEntry(String namespace, String name, String host, String address, String... exportTo) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s, namespace: %s}
                spec:
                  hosts: ["%s"]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 80, name: http, protocol: HTTP}
                  endpoints:
                  - address: %s
                %s""".formatted(name, namespace, host, address, exportTo(exportTo));
    }

    static String sidecar(String namespace, String name, String selectorLabels, String outboundMode, String... hosts) {
        StringBuilder spec = new StringBuilder();
        if (selectorLabels != null) {
            spec.append("  workloadSelector:\n    labels: ").append(selectorLabels).append('\n');
        }
        spec.append("  egress:\n  - hosts: [");
        for (int i = 0; i < hosts.length; i++) {
            spec.append(i == 0 ? "" : ", ").append('"').append(hosts[i]).append('"');
        }
        spec.append("]\n");
        if (outboundMode != null) {
            spec.append("  outboundTrafficPolicy: {mode: ").append(outboundMode).append("}\n");
        }
        return """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: %s, namespace: %s}
                spec:
                %s""".formatted(name, namespace, spec);
    }

    private static String exportTo(String... exportTo) {
        if (exportTo.length == 0) {
            return "";
        }
        StringBuilder out = new StringBuilder("  exportTo: [");
        for (int i = 0; i < exportTo.length; i++) {
            out.append(i == 0 ? "" : ", ").append('"').append(exportTo[i]).append('"');
        }
        return out.append("]\n").toString();
    }
}
