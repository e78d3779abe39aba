package io.proxyless.mesh.runtime.model;

import java.util.Map;
import java.util.Objects;

/**
 * One entry of Envoy's {@code Cluster.transport_socket_matches}: the transport socket for the endpoints whose
 * {@code envoy.transport_socket_match} metadata ({@link LbEndpoint#transportSocketMatch()}) holds every key and
 * value of {@code match}. An endpoint takes the first entry that matches; an empty {@code match} matches every
 * endpoint; an endpoint no entry matches takes the cluster's own {@link Cluster#tls()}.
 *
 * <p>Istio's auto mTLS is written this way: ISTIO_MUTUAL for endpoints labelled
 * {@code security.istio.io/tlsMode: istio}, plain text for the others.
 *
 * <pre>{@code
 * List<TransportSocketMatch> auto = TransportSocketMatch.istioAutoMtls(UpstreamTls.istioMutual(null, List.of()));
 * }</pre>
 *
 * @param name  the entry's name (istiod: {@code tlsMode-istio}, {@code tlsMode-disabled}), for explanations
 * @param match metadata the endpoint must carry, all of it
 * @param tls   the socket for matching endpoints: TLS, or null for plain text (Envoy's {@code raw_buffer})
 */
public record TransportSocketMatch(String name, Map<String, String> match, UpstreamTls tls) {

    /** The metadata key Istio puts in {@code envoy.transport_socket_match}, from the endpoint's tlsMode label. */
    public static final String TLS_MODE = "tlsMode";
    /** The value of {@link #TLS_MODE} for workloads that accept Istio's mTLS. */
    public static final String ISTIO = "istio";
    /** The workload label (set by Istio's injection) that istiod copies into {@link #TLS_MODE}. */
    public static final String TLS_MODE_LABEL = "security.istio.io/tlsMode";

    public TransportSocketMatch {
        Objects.requireNonNull(name, "name");
        match = match == null ? Map.of() : Map.copyOf(match);
    }

    /**
     * Istio's auto mTLS matches: {@code tls} for endpoints with {@code tlsMode: istio}, plain text for every
     * other endpoint.
     */
    public static java.util.List<TransportSocketMatch> istioAutoMtls(UpstreamTls tls) {
        return java.util.List.of(new TransportSocketMatch("tlsMode-istio", Map.of(TLS_MODE, ISTIO), tls),
                new TransportSocketMatch("tlsMode-disabled", Map.of(), null));
    }

    /** True when {@code metadata} (an endpoint's {@code envoy.transport_socket_match}) holds all of {@link #match}. */
    public boolean matches(Map<String, String> metadata) {
        for (Map.Entry<String, String> e : match.entrySet()) {
            if (!e.getValue().equals(metadata.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
