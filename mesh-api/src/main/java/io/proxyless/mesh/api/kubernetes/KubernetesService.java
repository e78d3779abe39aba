package io.proxyless.mesh.api.kubernetes;

import io.proxyless.mesh.api.Immutables;
import io.proxyless.mesh.api.Metadata;
import io.proxyless.mesh.api.SourceInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Kubernetes {@code v1 Service}: the host {@code NAME.NAMESPACE.svc.cluster.local} that istiod puts into every
 * proxy's registry, with its ports and the pod selector its endpoints come from.
 *
 * <pre>{@code
 * KubernetesService reviews = ...;
 * reviews.hostName(); // "reviews.default.svc.cluster.local"
 * }</pre>
 *
 * @param metadata     name, namespace, labels and annotations ({@code networking.istio.io/exportTo} among them)
 * @param type         {@code ClusterIP} (the default), {@code NodePort}, {@code LoadBalancer} or {@code ExternalName}
 * @param selector     the labels of the pods behind the service; empty for a service whose endpoints are managed
 *                     by hand (EndpointSlices or Endpoints written for it)
 * @param ports        the ports, in order
 * @param externalName the DNS name an {@code ExternalName} service stands for, else null; when it is the host of a
 *                     service of the mesh, the service is an alias of that one (Istio 1.21+)
 * @param source       where it was written
 */
public record KubernetesService(Metadata metadata, String type, Map<String, String> selector, List<Port> ports,
                                String externalName, SourceInfo source) {

    /** The annotation through which a Kubernetes Service limits its visibility, as {@code exportTo} does. */
    public static final String EXPORT_TO_ANNOTATION = "networking.istio.io/exportTo";

    /** The cluster domain istiod assumes unless configured otherwise. */
    public static final String CLUSTER_DOMAIN = "cluster.local";

    public KubernetesService {
        selector = Immutables.map(selector);
        ports = Immutables.list(ports);
        type = type == null ? "ClusterIP" : type;
        source = source == null ? SourceInfo.NONE : source;
    }

    public String name() {
        return metadata.name();
    }

    public String namespace() {
        return metadata.namespace();
    }

    /** The cluster-local FQDN istiod gives the service: {@code NAME.NAMESPACE.svc.cluster.local}. */
    public String hostName() {
        return name() + "." + namespace() + ".svc." + CLUSTER_DOMAIN;
    }

    /**
     * The namespaces the service is visible to, from the {@code networking.istio.io/exportTo} annotation (a
     * comma-separated list of {@code .}, {@code *}, {@code ~} or namespace names); {@code ["*"]} without it.
     */
    public List<String> exportTo() {
        String annotation = metadata.annotations().get(EXPORT_TO_ANNOTATION);
        if (annotation == null || annotation.isBlank()) {
            return List.of("*");
        }
        List<String> scopes = new ArrayList<>();
        for (String part : annotation.split(",")) {
            if (!part.isBlank()) {
                scopes.add(part.trim());
            }
        }
        return List.copyOf(scopes);
    }

    /**
     * One service port.
     *
     * @param name        the port's name; istiod reads the protocol from its prefix ({@code http-web}) unless
     *                    {@code appProtocol} says it
     * @param port        the port clients call
     * @param targetPort  the pod's port, a number or a container port name, as written (null: same as
     *                    {@code port})
     * @param protocol    the transport: {@code TCP} (default), {@code UDP} or {@code SCTP}
     * @param appProtocol the application protocol ({@code http}, {@code grpc}, {@code kubernetes.io/h2c}, ...),
     *                    or null
     */
    public record Port(String name, int port, String targetPort, String protocol, String appProtocol) {
        public Port {
            protocol = protocol == null ? "TCP" : protocol;
        }
    }
}
