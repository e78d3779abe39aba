package io.proxyless.mesh.api;

import java.util.Map;

/**
 * The Kubernetes object metadata the mesh uses. Other metadata fields (uid, resourceVersion, …) are accepted
 * and ignored, as they carry no traffic meaning.
 */
public record Metadata(String name, String namespace, Map<String, String> labels, Map<String, String> annotations) {
    public Metadata {
        labels = Immutables.map(labels);
        annotations = Immutables.map(annotations);
    }

    public static Metadata of(String name, String namespace) {
        return new Metadata(name, namespace, Map.of(), Map.of());
    }

    /** {@code namespace/name}, the way Istio names a config resource. */
    public String key() {
        return namespace + "/" + name;
    }
}
