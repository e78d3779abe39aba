package io.proxyless.mesh.api;

import java.util.List;

/**
 * Spec of an Istio {@code AuthorizationPolicy} ({@code security.istio.io}): who may call the selected workloads,
 * and how. For a request, the {@code DENY} policies are evaluated first (any match denies), then the {@code ALLOW}
 * policies: with none, the request is allowed; with at least one, a request that matches none of them is denied.
 * {@code AUDIT} policies only mark requests for logging. A policy matches when one of its {@link Rule rules}
 * matches: an empty rule {@code {}} matches every request, and a policy without rules matches none (so an
 * {@code ALLOW} policy without rules denies everything).
 *
 * <pre>{@code
 * AuthorizationPolicy allowSleep = AuthorizationPolicy.allow(
 *         WorkloadSelectorV1beta1.of(Map.of("app", "reviews")),
 *         Rule.from(Source.principals("cluster.local/ns/default/sa/sleep")));
 * }</pre>
 *
 * <p>{@code selector}, {@code targetRef} and {@code targetRefs} are the scope every {@code security.istio.io}
 * policy has: at most one of them is set; none means every workload in the namespace (in the root namespace,
 * {@code istio-system}: the whole mesh).
 *
 * @param selector   the workloads the policy applies to, by label
 * @param targetRef  the resource the policy attaches to
 * @param targetRefs the resources the policy attaches to
 * @param rules      the rules; the policy matches a request if any of them does
 * @param action     what a match means; absent means {@link Action#ALLOW}
 * @param provider   the external authorizer of a {@link Action#CUSTOM} policy
 */
public record AuthorizationPolicy(
        WorkloadSelectorV1beta1 selector,
        @NotSupported("policies attached by reference apply at the gateway or waypoint that receives the request; "
                + "a proxyless server is selected by its labels")
        PolicyTargetReference targetRef,
        @NotSupported("policies attached by reference apply at the gateway or waypoint that receives the request; "
                + "a proxyless server is selected by its labels")
        List<PolicyTargetReference> targetRefs,
        List<Rule> rules,
        Action action,
        ExtensionProvider provider) {

    public AuthorizationPolicy {
        targetRefs = Immutables.list(targetRefs);
        rules = Immutables.list(rules);
    }

    /** An {@code ALLOW} policy for the workloads {@code selector} selects (null: the whole namespace). */
    public static AuthorizationPolicy allow(WorkloadSelectorV1beta1 selector, Rule... rules) {
        return new AuthorizationPolicy(selector, null, List.of(), List.of(rules), Action.ALLOW, null);
    }

    /** A {@code DENY} policy for the workloads {@code selector} selects (null: the whole namespace). */
    public static AuthorizationPolicy deny(WorkloadSelectorV1beta1 selector, Rule... rules) {
        return new AuthorizationPolicy(selector, null, List.of(), List.of(rules), Action.DENY, null);
    }

    /** The action, {@link Action#ALLOW} when absent (Istio's default). */
    public Action actionOrDefault() {
        return action == null ? Action.ALLOW : action;
    }

    /** Istio {@code AuthorizationPolicy.Action}. */
    public enum Action {
        /** A request is allowed only if it matches an ALLOW policy (when the workload has any). */
        ALLOW,
        /** A request that matches is denied, whatever the ALLOW policies say. */
        DENY,
        /** A request that matches is marked for audit logging; the decision is not changed. */
        AUDIT,
        /** The decision is delegated to the external authorizer named by {@code provider}. */
        CUSTOM
    }

    /**
     * Istio {@code AuthorizationPolicy.ExtensionProvider}: an external authorizer declared in MeshConfig.
     *
     * @param name the name of the provider in MeshConfig's {@code extensionProviders}
     */
    public record ExtensionProvider(String name) {
    }
}
