package io.proxyless.mesh.api;

/**
 * Istio {@code OutboundTrafficPolicy}: what happens to calls for hosts that are not in the registry.
 *
 * @param mode        {@code REGISTRY_ONLY} (fail) or {@code ALLOW_ANY} (pass through); the mesh default,
 *                    {@code ALLOW_ANY}, when the whole policy is unset
 * @param egressProxy with {@code ALLOW_ANY}, send unknown traffic here instead of directly (hidden from Istio's docs)
 */
public record OutboundTrafficPolicy(
        Mode mode,
        @NotSupported("unknown hosts are connected to directly under ALLOW_ANY; an egress proxy is not used")
        Destination egressProxy) {

    public static OutboundTrafficPolicy of(Mode mode) {
        return new OutboundTrafficPolicy(mode, null);
    }

    /** Istio {@code OutboundTrafficPolicy.Mode}. */
    public enum Mode {
        /** Calls to unknown hosts fail. */
        REGISTRY_ONLY,
        /** Calls to unknown hosts go where the application asked. */
        ALLOW_ANY
    }
}
