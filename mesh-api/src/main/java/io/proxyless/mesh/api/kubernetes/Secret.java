package io.proxyless.mesh.api.kubernetes;

import io.proxyless.mesh.api.Immutables;
import io.proxyless.mesh.api.Metadata;
import io.proxyless.mesh.api.SourceInfo;
import java.util.Map;

/**
 * A Kubernetes {@code v1 Secret}, read only so that the analyses can check the {@code credentialName} of a
 * Gateway server (IST0101, IST0161). The mesh never uses its contents otherwise.
 *
 * @param metadata name and namespace
 * @param type     {@code kubernetes.io/tls}, {@code Opaque}, ...
 * @param data     the values by key, base64 as in {@code data} ({@code stringData} values are encoded the same way)
 * @param source   where it was written
 */
public record Secret(Metadata metadata, String type, Map<String, String> data, SourceInfo source) {
    public Secret {
        data = Immutables.map(data);
        source = source == null ? SourceInfo.NONE : source;
    }

    public String name() {
        return metadata.name();
    }

    public String namespace() {
        return metadata.namespace();
    }

    /** Names the keys only: the values are secret. */
    @Override
    public String toString() {
        return "Secret{" + metadata.key() + ", type=" + type + ", keys=" + data.keySet() + "}";
    }
}
