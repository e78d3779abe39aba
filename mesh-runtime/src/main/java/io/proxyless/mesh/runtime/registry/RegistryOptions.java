package io.proxyless.mesh.runtime.registry;

import io.proxyless.mesh.api.HostName;
import java.util.Map;

/**
 * Who the client is, for the parts of Istio's rules that depend on the calling workload: its namespace (short
 * names, {@code exportTo}, which Sidecar applies) and labels (Sidecar and DestinationRule workload selectors).
 *
 * <pre>{@code
 * RegistryOptions me = new RegistryOptions("shop", Map.of("app", "web"), null); // cluster.local
 * }</pre>
 *
 * @param clientNamespace the client workload's namespace; {@code default} when null or empty
 * @param clientLabels    the client workload's labels
 * @param domainSuffix    the cluster domain; {@link HostName#DEFAULT_DOMAIN_SUFFIX cluster.local} when null or empty
 * @param rootNamespace   Istio's config root namespace, whose selector-less Sidecar is the mesh-wide default;
 *                        {@code istio-system} when null or empty
 */
public record RegistryOptions(String clientNamespace, Map<String, String> clientLabels, String domainSuffix,
                              String rootNamespace) {
    /** Istio's default {@code meshConfig.rootNamespace}. */
    public static final String DEFAULT_ROOT_NAMESPACE = "istio-system";

    /** The Kubernetes namespace a workload lands in when none is given. */
    public static final String DEFAULT_NAMESPACE = "default";

    public RegistryOptions {
        clientNamespace = clientNamespace == null || clientNamespace.isEmpty() ? DEFAULT_NAMESPACE : clientNamespace;
        clientLabels = clientLabels == null ? Map.of() : Map.copyOf(clientLabels);
        domainSuffix = domainSuffix == null || domainSuffix.isEmpty() ? HostName.DEFAULT_DOMAIN_SUFFIX : domainSuffix;
        rootNamespace = rootNamespace == null || rootNamespace.isEmpty() ? DEFAULT_ROOT_NAMESPACE : rootNamespace;
    }

    /** Options with the default root namespace ({@code istio-system}). */
    public RegistryOptions(String clientNamespace, Map<String, String> clientLabels, String domainSuffix) {
        this(clientNamespace, clientLabels, domainSuffix, null);
    }

    /** A client in {@code clientNamespace} with no labels, in {@code cluster.local}. */
    public static RegistryOptions of(String clientNamespace) {
        return new RegistryOptions(clientNamespace, Map.of(), null, null);
    }
}
