package io.proxyless.mesh.runtime.tls;

/**
 * Istio workload identities: {@code spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT}.
 *
 * <pre>{@code
 * SpiffeId.of("cluster.local", "default", "reviews"); // spiffe://cluster.local/ns/default/sa/reviews
 * }</pre>
 */
public final class SpiffeId {
    /** Istio's default trust domain. */
    public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";

    private SpiffeId() {
    }

    /** The identity of service account {@code serviceAccount} in {@code namespace}. */
    public static String of(String trustDomain, String namespace, String serviceAccount) {
        return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
    }
}
