package io.proxyless.mesh.api.validation;

import io.proxyless.mesh.api.PolicyTargetReference;
import io.proxyless.mesh.api.WorkloadSelectorV1beta1;
import java.util.List;
import java.util.Set;

/**
 * Istio's rules for the scope every {@code security.istio.io} policy has ({@code selector}, {@code targetRef},
 * {@code targetRefs}): at most one of them, a selector without wildcards, and references to a kind a policy can
 * attach to, in the policy's own namespace. Each security kind's validator starts with {@link #validate}.
 */
final class PolicyScope {
    /** {@code group/kind} a policy may name, {@code core} standing for the empty group (Istio's list). */
    private static final Set<String> TARGET_KINDS = Set.of("core/Service", "networking.istio.io/ServiceEntry",
            "gateway.networking.k8s.io/Gateway", "gateway.networking.k8s.io/GatewayClass");
    private static final String TARGET_KINDS_TEXT = "[core/Service networking.istio.io/ServiceEntry "
            + "gateway.networking.k8s.io/Gateway gateway.networking.k8s.io/GatewayClass]";

    private PolicyScope() {
    }

    static void validate(WorkloadSelectorV1beta1 selector, PolicyTargetReference targetRef,
                         List<PolicyTargetReference> targetRefs, ValidationContext ctx) {
        int set = (selector != null ? 1 : 0) + (targetRef != null ? 1 : 0) + (targetRefs.isEmpty() ? 0 : 1);
        if (set > 1) {
            ctx.error(selector != null ? "spec.selector" : "spec.targetRef",
                    "only one of targetRefs or workloadSelector can be set");
        }
        if (selector != null) {
            CommonRules.workloadSelector(selector.matchLabels(), "spec.selector.matchLabels", ctx,
                    "which applies the policy to every workload in the namespace");
        }
        if (targetRef != null) {
            target(targetRef, "spec.targetRef", ctx);
        }
        for (int i = 0; i < targetRefs.size(); i++) {
            if (targetRefs.get(i) == null) {
                ctx.error("spec.targetRefs[" + i + "]", "targetRef must not be null");
            } else {
                target(targetRefs.get(i), "spec.targetRefs[" + i + "]", ctx);
            }
        }
    }

    private static void target(PolicyTargetReference ref, String path, ValidationContext ctx) {
        if (ref.name() == null || ref.name().isEmpty()) {
            ctx.error(path + ".name", "targetRef name must be set");
        }
        if (ref.namespace() != null && !ref.namespace().isEmpty()) {
            // Istio resolves a reference in the policy's namespace only.
            ctx.error(path + ".namespace", "targetRef namespace must not be set; cross namespace referencing is "
                    + "not supported");
        }
        String group = ref.group() == null || ref.group().isEmpty() ? "core" : ref.group();
        if (!TARGET_KINDS.contains(group + "/" + ref.kind())) {
            ctx.error(path + ".kind", "targetRef must be to one of " + TARGET_KINDS_TEXT + " but was "
                    + (ref.group() == null ? "" : ref.group()) + "/" + (ref.kind() == null ? "" : ref.kind()));
        }
    }
}
