package io.proxyless.mesh.api;

/**
 * Istio {@code istio.type.v1beta1.PolicyTargetReference}: the resource a security policy attaches to instead of
 * selecting workloads by label (a Kubernetes Gateway, a GatewayClass, a Service or a ServiceEntry). Shared by
 * the {@code security.istio.io} kinds.
 *
 * @param group     the target's API group; empty for the core group ({@code Service})
 * @param kind      the target's kind, e.g. {@code Gateway}
 * @param name      the target's name
 * @param namespace must be empty: a policy only targets resources in its own namespace
 */
public record PolicyTargetReference(String group, String kind, String name, String namespace) {
    public static PolicyTargetReference of(String group, String kind, String name) {
        return new PolicyTargetReference(group, kind, name, null);
    }
}
