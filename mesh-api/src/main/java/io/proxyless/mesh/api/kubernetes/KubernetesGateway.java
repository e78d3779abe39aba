package io.proxyless.mesh.api.kubernetes;

import io.proxyless.mesh.api.Immutables;
import io.proxyless.mesh.api.Metadata;
import java.util.List;

/**
 * A Kubernetes Gateway API {@code Gateway} ({@code gateway.networking.k8s.io}), read only so that a VirtualService
 * naming it in {@code gateways} can be checked (IST0101, IST0132). The mesh does not act on it.
 *
 * @param metadata  name and namespace
 * @param hostnames the {@code hostname} of each listener, empty for a listener without one (it accepts any host)
 */
public record KubernetesGateway(Metadata metadata, List<String> hostnames) {
    public KubernetesGateway {
        hostnames = Immutables.list(hostnames);
    }
}
