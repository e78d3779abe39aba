package io.proxyless.mesh.runtime.security;

import io.proxyless.mesh.runtime.config.MeshConfig;
import java.util.Map;
import java.util.Objects;

/**
 * The mTLS modes of this workload's inbound ports, PeerAuthentication precedence already applied: the workload's
 * mode and the ports whose mode differs ({@code portLevelMtls} of the workload policy).
 *
 * @param mode      the mode of every port not in {@code ports}
 * @param ports     modes of single ports, by the port the server listens on
 * @param decidedBy the PeerAuthentications that set the modes ({@code "default"} when none does), for logs and
 *                  {@code mesh authz}
 */
public record InboundMtls(MtlsMode mode, Map<Integer, MtlsMode> ports, String decidedBy) {
    /** PERMISSIVE everywhere: no PeerAuthentication sets a mode. */
    public static final InboundMtls DEFAULT = new InboundMtls(MtlsMode.PERMISSIVE, Map.of(), "default");

    public InboundMtls {
        Objects.requireNonNull(mode);
        ports = Map.copyOf(ports);
        Objects.requireNonNull(decidedBy);
    }

    /**
     * The modes of the workload in {@code namespace} with {@code labels}, from the PeerAuthentications of
     * {@code config} (workload &gt; namespace &gt; mesh-wide in {@link InboundPolicy#ROOT_NAMESPACE}). A client uses it
     * for a destination's endpoints, a server for itself.
     */
    public static InboundMtls compile(MeshConfig config, String namespace, Map<String, String> labels) {
        return InboundPolicyCompiler.peerAuthentication(config, namespace, labels, InboundPolicy.ROOT_NAMESPACE);
    }

    /** The mode of {@code port}. */
    public MtlsMode mode(int port) {
        MtlsMode m = ports.get(port);
        return m == null ? mode : m;
    }
}
