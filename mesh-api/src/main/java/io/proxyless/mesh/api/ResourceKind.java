package io.proxyless.mesh.api;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The Istio kinds the mesh understands, each with its API group, the versions it is accepted in, and the record
 * that holds its {@code spec}. The networking kinds configure routing; the security kinds ({@code
 * security.istio.io}) configure what a server accepts (PeerAuthentication, AuthorizationPolicy) and let the
 * analyses check networking config against them (RequestAuthentication).
 */
public enum ResourceKind {
    VIRTUAL_SERVICE("VirtualService", Group.NETWORKING, VirtualService.class),
    DESTINATION_RULE("DestinationRule", Group.NETWORKING, DestinationRule.class),
    SERVICE_ENTRY("ServiceEntry", Group.NETWORKING, ServiceEntry.class),
    WORKLOAD_ENTRY("WorkloadEntry", Group.NETWORKING, WorkloadEntry.class),
    GATEWAY("Gateway", Group.NETWORKING, Gateway.class),
    SIDECAR("Sidecar", Group.NETWORKING, Sidecar.class),
    REQUEST_AUTHENTICATION("RequestAuthentication", Group.SECURITY, RequestAuthentication.class),
    PEER_AUTHENTICATION("PeerAuthentication", Group.SECURITY, PeerAuthentication.class),
    AUTHORIZATION_POLICY("AuthorizationPolicy", Group.SECURITY, AuthorizationPolicy.class);

    /** The API group of the networking kinds. */
    public static final String GROUP = "networking.istio.io";
    /** The API group of the security kinds. */
    public static final String SECURITY_GROUP = "security.istio.io";

    /** An Istio API group and the versions of it the mesh reads (all serve the same schema), newest first. */
    private enum Group {
        NETWORKING(GROUP, List.of("v1", "v1beta1", "v1alpha3")),
        SECURITY(SECURITY_GROUP, List.of("v1", "v1beta1"));

        final String name;
        final List<String> versions;

        Group(String name, List<String> versions) {
            this.name = name;
            this.versions = versions;
        }
    }

    private final String kindName;
    private final Group group;
    private final Class<?> specType;

    ResourceKind(String kindName, Group group, Class<?> specType) {
        this.kindName = kindName;
        this.group = group;
        this.specType = specType;
    }

    /** The Kubernetes {@code kind}, e.g. {@code VirtualService}. */
    public String kindName() {
        return kindName;
    }

    /** The API group, e.g. {@code networking.istio.io}. */
    public String group() {
        return group.name;
    }

    /** The versions of {@link #group()} this kind is read in, newest first ({@code v1} first). */
    public List<String> versions() {
        return group.versions;
    }

    /** The {@code apiVersion} config is best written in: the group's newest version, e.g. {@code security.istio.io/v1}. */
    public String apiVersion() {
        return group.name + "/" + group.versions.get(0);
    }

    public Class<?> specType() {
        return specType;
    }

    /** The kind of that name, in any group. */
    public static Optional<ResourceKind> byKindName(String kind) {
        return Arrays.stream(values()).filter(k -> k.kindName.equals(kind)).findFirst();
    }

    /** The kind of that name in that API group. */
    public static Optional<ResourceKind> byGroupAndKind(String group, String kind) {
        return Arrays.stream(values()).filter(k -> k.group.name.equals(group) && k.kindName.equals(kind)).findFirst();
    }

    /** Whether the mesh reads any kind of this API group. */
    public static boolean isKnownGroup(String group) {
        return Arrays.stream(Group.values()).anyMatch(g -> g.name.equals(group));
    }

    @Override
    public String toString() {
        return kindName;
    }
}
