package io.proxyless.mesh.api.validation;

import io.proxyless.mesh.api.PeerAuthentication;
import java.util.List;

/**
 * Istio's PeerAuthentication rules ({@code ValidatePeerAuthentication}): the selector as for every security
 * policy, port-level modes only on a policy that selects workloads (a namespace or mesh-wide policy can't know
 * the ports), and port keys that are port numbers.
 */
final class PeerAuthenticationValidator {
    private PeerAuthenticationValidator() {
    }

    static void validate(PeerAuthentication spec, ValidationContext ctx) {
        PolicyScope.validate(spec.selector(), null, List.of(), ctx);
        boolean selectsWorkloads = spec.selector() != null && !spec.selector().matchLabels().isEmpty();
        if (spec.portLevelMtls().isEmpty() && ctx.written("spec.portLevelMtls")) {
            ctx.error("spec.portLevelMtls", "port level mTLS, if defined, must have at least one element");
        }
        if (!selectsWorkloads && !spec.portLevelMtls().isEmpty()) {
            ctx.error("spec.portLevelMtls", "mesh/namespace peer authentication cannot have port level mTLS");
        }
        for (String port : spec.portLevelMtls().keySet()) {
            String path = "spec.portLevelMtls." + port;
            Integer number = portNumber(port);
            if (number == null) {
                ctx.error(path, "port " + CommonRules.quote(port) + " is not a port number (0..65535)");
            } else if (number == 0) {
                ctx.error(path, "port cannot be 0");
            }
        }
    }

    /** A {@code uint32} map key as protobuf JSON writes it, within the port range; else null. */
    private static Integer portNumber(String key) {
        if (key.isEmpty() || key.length() > 5 || !key.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        int n = Integer.parseInt(key);
        return n <= 65535 ? n : null;
    }
}
