package io.proxyless.mesh.api.kubernetes;

import io.proxyless.mesh.api.Metadata;
import io.proxyless.mesh.api.SourceInfo;

/**
 * A Kubernetes {@code v1 Pod}, as far as the mesh looks at one: its name, namespace and labels (what selectors
 * of Services, Gateways, Sidecars and DestinationRule subsets match) and its address.
 *
 * @param metadata name, namespace and labels
 * @param nodeName {@code spec.nodeName}, or null
 * @param podIp    {@code status.podIP}, or null
 * @param source   where it was written
 */
public record Pod(Metadata metadata, String nodeName, String podIp, SourceInfo source) {
    public Pod {
        source = source == null ? SourceInfo.NONE : source;
    }

    public String name() {
        return metadata.name();
    }

    public String namespace() {
        return metadata.namespace();
    }
}
