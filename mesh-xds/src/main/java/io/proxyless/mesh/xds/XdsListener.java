package io.proxyless.mesh.xds;

import io.proxyless.mesh.api.HTTPFaultInjection;
import java.time.Duration;

/**
 * A parsed {@code api_listener} (proxyless gRPC shape): named {@code host:port}, it says which route
 * configuration serves calls to that authority.
 *
 * @param name                  listener name, {@code host:port}
 * @param routeConfigName       the RDS resource to subscribe, or null when the routes are inline
 * @param inlineRoutes          inline route configuration, or null
 * @param faultFilter           whether the HTTP fault filter is in the filter chain (per-route faults apply only then)
 * @param defaultFault          the fault filter's own config, applied to routes without one, or null
 * @param defaultStreamDuration the connection manager's {@code max_stream_duration}, the timeout of routes that set
 *                              none, or null
 */
record XdsListener(String name, String routeConfigName, XdsRouteConfig inlineRoutes, boolean faultFilter,
                   HTTPFaultInjection defaultFault, Duration defaultStreamDuration) {

    /** The host part of {@code host:port} (brackets of an IPv6 address removed). */
    String host() {
        return HostPort.host(name);
    }

    /** The port part of {@code host:port}, or null. */
    Integer port() {
        return HostPort.port(name);
    }
}
