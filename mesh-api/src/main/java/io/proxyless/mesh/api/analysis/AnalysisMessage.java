package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.Severity;

/**
 * The analysis messages the mesh reports, with Istio's code, name and severity
 * ({@code pkg/config/analysis/msg/messages.yaml}), so a finding reads the same as in {@code istioctl analyze}
 * and documentation about a code applies.
 */
public enum AnalysisMessage {
    REFERENCED_RESOURCE_NOT_FOUND("IST0101", "ReferencedResourceNotFound", Severity.ERROR),
    CONFLICTING_MESH_GATEWAY_VIRTUAL_SERVICE_HOSTS("IST0109", "ConflictingMeshGatewayVirtualServiceHosts",
            Severity.ERROR),
    CONFLICTING_SIDECAR_WORKLOAD_SELECTORS("IST0110", "ConflictingSidecarWorkloadSelectors", Severity.ERROR),
    MULTIPLE_SIDECARS_WITHOUT_WORKLOAD_SELECTORS("IST0111", "MultipleSidecarsWithoutWorkloadSelectors",
            Severity.ERROR),
    VIRTUAL_SERVICE_DESTINATION_PORT_SELECTOR_REQUIRED("IST0112", "VirtualServiceDestinationPortSelectorRequired",
            Severity.ERROR),
    NO_SERVER_CERTIFICATE_VERIFICATION_DESTINATION_LEVEL("IST0128", "NoServerCertificateVerificationDestinationLevel",
            Severity.WARNING),
    NO_SERVER_CERTIFICATE_VERIFICATION_PORT_LEVEL("IST0129", "NoServerCertificateVerificationPortLevel",
            Severity.WARNING),
    VIRTUAL_SERVICE_UNREACHABLE_RULE("IST0130", "VirtualServiceUnreachableRule", Severity.WARNING),
    VIRTUAL_SERVICE_INEFFECTIVE_MATCH("IST0131", "VirtualServiceIneffectiveMatch", Severity.INFO),
    VIRTUAL_SERVICE_HOST_NOT_FOUND_IN_GATEWAY("IST0132", "VirtualServiceHostNotFoundInGateway", Severity.WARNING),
    SERVICE_ENTRY_ADDRESSES_REQUIRED("IST0134", "ServiceEntryAddressesRequired", Severity.WARNING),
    GATEWAY_DUPLICATE_CERTIFICATE("IST0138", "GatewayDuplicateCertificate", Severity.WARNING),
    INGRESS_ROUTE_RULES_NOT_AFFECTED("IST0140", "IngressRouteRulesNotAffected", Severity.WARNING),
    CONFLICTING_GATEWAYS("IST0145", "ConflictingGateways", Severity.ERROR),
    JWT_CLAIM_BASED_ROUTING_WITHOUT_REQUEST_AUTHN("IST0149", "JwtClaimBasedRoutingWithoutRequestAuthN",
            Severity.ERROR),
    INVALID_GATEWAY_CREDENTIAL("IST0161", "InvalidGatewayCredential", Severity.ERROR),
    GATEWAY_PORT_NOT_DEFINED_ON_SERVICE("IST0162", "GatewayPortNotDefinedOnService", Severity.WARNING),
    REFERENCED_INTERNAL_GATEWAY("IST0165", "ReferencedInternalGateway", Severity.WARNING),
    INEFFECTIVE_POLICY("IST0167", "IneffectivePolicy", Severity.WARNING),
    DESTINATION_RULE_SUBSET_NOT_SELECT_PODS("IST0173", "DestinationRuleSubsetNotSelectPods", Severity.ERROR),
    UNKNOWN_DESTINATION_RULE_HOST("IST0174", "UnknownDestinationRuleHost", Severity.WARNING),
    CONFLICTING_SERVICE_ENTRY_PROTOCOL("IST0177", "ConflictingServiceEntryProtocol", Severity.WARNING);

    private final String code;
    private final String istioName;
    private final Severity severity;

    AnalysisMessage(String code, String istioName, Severity severity) {
        this.code = code;
        this.istioName = istioName;
        this.severity = severity;
    }

    /** Istio's code, {@code IST0101}. */
    public String code() {
        return code;
    }

    /** Istio's name for the message, {@code ReferencedResourceNotFound}. */
    public String istioName() {
        return istioName;
    }

    public Severity severity() {
        return severity;
    }

    /** This message about {@code resource}, located at the line of {@code path}. */
    Problem at(Resource<?> resource, String path, String message) {
        return resource.problem(severity, path, message).withCode(code);
    }

    /** Istio's "Referenced %s not found: %q" wording. */
    static String notFound(String what, String value) {
        return "Referenced " + what + " not found: " + Analyzers.quote(value);
    }
}
