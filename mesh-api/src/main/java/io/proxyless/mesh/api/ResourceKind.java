package io.proxyless.mesh.api;

import java.util.Arrays;
import java.util.Optional;

/** The networking.istio.io kinds the mesh understands, with the record that holds each one's {@code spec}. */
public enum ResourceKind {
    VIRTUAL_SERVICE("VirtualService", VirtualService.class),
    DESTINATION_RULE("DestinationRule", DestinationRule.class),
    SERVICE_ENTRY("ServiceEntry", ServiceEntry.class),
    WORKLOAD_ENTRY("WorkloadEntry", WorkloadEntry.class),
    GATEWAY("Gateway", Gateway.class),
    SIDECAR("Sidecar", Sidecar.class);

    /** The API group all these kinds live in. */
    public static final String GROUP = "networking.istio.io";

    private final String kindName;
    private final Class<?> specType;

    ResourceKind(String kindName, Class<?> specType) {
        this.kindName = kindName;
        this.specType = specType;
    }

    /** The Kubernetes {@code kind}, e.g. {@code VirtualService}. */
    public String kindName() {
        return kindName;
    }

    public Class<?> specType() {
        return specType;
    }

    public static Optional<ResourceKind> byKindName(String kind) {
        return Arrays.stream(values()).filter(k -> k.kindName.equals(kind)).findFirst();
    }

    @Override
    public String toString() {
        return kindName;
    }
}
