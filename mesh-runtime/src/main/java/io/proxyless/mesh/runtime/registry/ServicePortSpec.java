package io.proxyless.mesh.runtime.registry;

import io.proxyless.mesh.api.ServicePort;
import java.util.Locale;

/**
 * One port of a {@link MeshService}, compiled from a ServiceEntry {@link ServicePort}.
 *
 * <pre>{@code
 * ServicePortSpec http = new ServicePortSpec(80, "http", "HTTP", 8080);
 * http.endpointPort(); // 8080: where an endpoint without a port of its own listens
 * }</pre>
 *
 * @param number     the service port: the port the client calls
 * @param name       the port name, which WorkloadEntry {@code ports} maps refer to; never null
 * @param protocol   the protocol upper-cased ({@code HTTP}, {@code GRPC}, {@code TLS}, ...), or empty when unset
 * @param targetPort the port on endpoints that do not name one of their own, or 0 when unset (Istio's proto
 *                   default, meaning "same as {@code number}")
 */
public record ServicePortSpec(int number, String name, String protocol, int targetPort) {
    public ServicePortSpec {
        name = name == null ? "" : name;
        protocol = protocol == null ? "" : protocol.toUpperCase(Locale.ROOT);
        if (targetPort < 0) {
            targetPort = 0;
        }
    }

    /** The compiled form of a validated ServiceEntry port. */
    public static ServicePortSpec from(ServicePort port) {
        return new ServicePortSpec(port.number() == null ? 0 : port.number(), port.name(), port.protocol(),
                port.targetPort() == null ? 0 : port.targetPort());
    }

    /** The port an endpoint listens on when it does not name one: {@code targetPort}, else {@code number}. */
    public int endpointPort() {
        return targetPort > 0 ? targetPort : number;
    }
}
