package io.proxyless.mesh.api;

import java.util.Map;

/**
 * Spec of an Istio {@code PeerAuthentication} ({@code security.istio.io}): whether the selected workloads accept
 * plain text, mutual TLS or both on their inbound ports. The policy that applies to a workload is the most
 * specific one: a policy whose {@code selector} matches the workload, else the namespace's policy without a
 * selector, else the mesh-wide policy (no selector, in the root namespace, {@code istio-system} by default); a
 * mode of {@link MutualTLS.Mode#UNSET} inherits from the next less specific level, and {@code PERMISSIVE} is the
 * default when nothing sets a mode.
 *
 * <pre>{@code
 * PeerAuthentication strict = PeerAuthentication.of(
 *         WorkloadSelectorV1beta1.of(Map.of("app", "reviews")), MutualTLS.Mode.STRICT);
 * }</pre>
 *
 * @param selector      the workloads the policy applies to, by label; none means every workload of the namespace
 *                      (of the mesh, in the root namespace)
 * @param mtls          the mode for every port of the selected workloads
 * @param portLevelMtls modes for single ports, keyed by the workload's port number (protobuf JSON writes the
 *                      {@code uint32} keys as strings); only a policy with a selector may have them
 */
public record PeerAuthentication(
        WorkloadSelectorV1beta1 selector,
        MutualTLS mtls,
        Map<String, MutualTLS> portLevelMtls) {

    public PeerAuthentication {
        portLevelMtls = Immutables.map(portLevelMtls);
    }

    public static PeerAuthentication of(WorkloadSelectorV1beta1 selector, MutualTLS.Mode mode) {
        return new PeerAuthentication(selector, new MutualTLS(mode), Map.of());
    }

    /**
     * Istio {@code PeerAuthentication.MutualTLS}: the mTLS mode of a workload or of one of its ports.
     *
     * @param mode the mode; absent means {@link Mode#UNSET}
     */
    public record MutualTLS(Mode mode) {
        /** The mode, {@link Mode#UNSET} when absent. */
        public Mode modeOrUnset() {
            return mode == null ? Mode.UNSET : mode;
        }

        /** Istio {@code PeerAuthentication.MutualTLS.Mode}. */
        public enum Mode {
            /** Inherit from the less specific policy ({@code PERMISSIVE} if there is none). */
            UNSET,
            /** Plain text only: the connection is not tunnelled through mutual TLS. */
            DISABLE,
            /** Mutual TLS and plain text on the same port. */
            PERMISSIVE,
            /** Mutual TLS only: a client without a certificate of the mesh is refused. */
            STRICT
        }
    }
}
