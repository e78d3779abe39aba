package io.proxyless.mesh.api;

import java.util.List;

/**
 * Spec of an Istio {@code RequestAuthentication} ({@code security.istio.io}): which JWTs the selected workloads
 * accept. JWTs are validated by the workload or gateway that receives a request, never by the client that sends
 * it, so the client-side mesh acts on none of this; it reads RequestAuthentications so that the analyses can check
 * VirtualServices that route on JWT claims ({@code @request.auth.claims.*}) against them (IST0149).
 *
 * <pre>{@code
 * RequestAuthentication ra = RequestAuthentication.forWorkloads(
 *         WorkloadSelectorV1beta1.of(Map.of("istio", "ingressgateway")),
 *         JWTRule.of("https://issuer.example.com", "https://issuer.example.com/keys"));
 * }</pre>
 *
 * <p>{@code selector}, {@code targetRef} and {@code targetRefs} are the scope every {@code security.istio.io}
 * policy has: at most one of them is set; none means every workload in the namespace (in the root namespace,
 * {@code istio-system}: the whole mesh).
 *
 * @param selector   the workloads the policy applies to, by label
 * @param targetRef  the resource the policy attaches to
 * @param targetRefs the resources the policy attaches to
 * @param jwtRules   the accepted JWTs
 */
public record RequestAuthentication(
        WorkloadSelectorV1beta1 selector,
        @NotSupported("policies attached by reference apply at the gateway or waypoint that receives the request; "
                + "the analyses see only label selectors, as Istio's do")
        PolicyTargetReference targetRef,
        @NotSupported("policies attached by reference apply at the gateway or waypoint that receives the request; "
                + "the analyses see only label selectors, as Istio's do")
        List<PolicyTargetReference> targetRefs,
        @NotSupported("JWTs are validated by the workload or gateway that receives the request, not by the "
                + "calling client")
        List<JWTRule> jwtRules) {

    public RequestAuthentication {
        targetRefs = Immutables.list(targetRefs);
        jwtRules = Immutables.list(jwtRules);
    }

    public static RequestAuthentication forWorkloads(WorkloadSelectorV1beta1 selector, JWTRule... rules) {
        return new RequestAuthentication(selector, null, List.of(), List.of(rules));
    }
}
