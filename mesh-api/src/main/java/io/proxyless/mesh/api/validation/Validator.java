package io.proxyless.mesh.api.validation;

import io.proxyless.mesh.api.AuthorizationPolicy;
import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.Gateway;
import io.proxyless.mesh.api.PeerAuthentication;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.RequestAuthentication;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ServiceEntry;
import io.proxyless.mesh.api.Sidecar;
import io.proxyless.mesh.api.VirtualService;
import io.proxyless.mesh.api.WorkloadEntry;
import java.util.List;
import java.util.Set;

/**
 * Runs Istio's per-resource validation rules for one resource and returns every problem found.
 *
 * <pre>{@code
 * List<Problem> problems = Validator.validate(resource, Set.of());
 * }</pre>
 */
public final class Validator {
    private Validator() {
    }

    /**
     * @param resource     the bound resource
     * @param unboundPaths field paths the loader could not bind (already reported; not re-reported here)
     */
    public static List<Problem> validate(Resource<?> resource, Set<String> unboundPaths) {
        ValidationContext ctx = new ValidationContext(resource, unboundPaths);
        switch (resource.kind()) {
            case VIRTUAL_SERVICE -> {
                VirtualServiceValidator.validate((VirtualService) resource.spec(), ctx);
            }
            case DESTINATION_RULE -> {
                DestinationRuleValidator.validate((DestinationRule) resource.spec(), ctx);
            }
            case SERVICE_ENTRY -> {
                ServiceEntryValidator.validate((ServiceEntry) resource.spec(), ctx);
            }
            case WORKLOAD_ENTRY -> {
                WorkloadEntryValidator.validate((WorkloadEntry) resource.spec(), ctx);
            }
            case GATEWAY -> {
                GatewayValidator.validate((Gateway) resource.spec(), ctx);
            }
            case SIDECAR -> {
                SidecarValidator.validate((Sidecar) resource.spec(), ctx);
            }
            case REQUEST_AUTHENTICATION -> {
                RequestAuthenticationValidator.validate((RequestAuthentication) resource.spec(), ctx);
            }
            case PEER_AUTHENTICATION -> {
                PeerAuthenticationValidator.validate((PeerAuthentication) resource.spec(), ctx);
            }
            case AUTHORIZATION_POLICY -> {
                AuthorizationPolicyValidator.validate((AuthorizationPolicy) resource.spec(), ctx);
            }
        }
        return ctx.problems();
    }
}
