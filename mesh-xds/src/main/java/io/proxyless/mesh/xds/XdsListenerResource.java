package io.proxyless.mesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.proxyless.mesh.runtime.model.FaultInjection;
import io.proxyless.mesh.runtime.model.RouteConfiguration;
import java.time.Duration;

/**
 * LDS into what the mesh needs of a listener: which route configuration serves which {@code host:port}, and what
 * its HTTP connection manager adds to those routes (fault filter, {@code max_stream_duration}). Two shapes:
 * <ul>
 *   <li><b>proxyless</b> (istiod's {@code GENERATOR: grpc}, grpc-java's shape): an {@code api_listener} named
 *       {@code host:port}, with its routes inline or named for RDS;</li>
 *   <li><b>sidecar</b>: an outbound listener on a port ({@code 0.0.0.0_9080}) whose HTTP connection manager names
 *       the route configuration of that port ({@code "9080"}). Inbound listeners and listeners without an HTTP
 *       connection manager (TCP proxies) route nothing for a client and carry no routes here.</li>
 * </ul>
 * Errors (the listener is NACKed): a connection manager that cannot be decoded, neither {@code rds} nor
 * {@code route_config}, an empty RDS name, inline routes this client cannot carry out, a negative
 * {@code max_stream_duration}.
 */
final class XdsListenerResource {
    static final String HCM_TYPE =
            "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
    static final String HCM_NAME = "envoy.filters.network.http_connection_manager";
    private static final String ROUTER_TYPE = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
    private static final String ROUTER_NAME = "envoy.filters.http.router";

    private XdsListenerResource() {
    }

    /**
     * A parsed listener.
     *
     * @param name            the listener's name ({@code host:port} for an api_listener)
     * @param host            the host calls through it name (api_listener), or null for every host (sidecar)
     * @param port            the port it serves, or null when the name has none
     * @param routeConfigName the RDS resource with its routes, or null
     * @param inlineRoutes    its inline routes, or null
     * @param filters         what its connection manager adds to its routes
     */
    record Update(String name, String host, Integer port, String routeConfigName, RouteConfiguration inlineRoutes,
                  ParseContext.HttpFilters filters) {
        /** Whether it routes HTTP at all. */
        boolean routes() {
            return routeConfigName != null || inlineRoutes != null;
        }
    }

    static Parsed<Update> parse(Listener listener, ParseContext ctx) {
        Findings f = new Findings();
        Update value = parseListener(listener, ctx, f);
        return Parsed.of(value, f);
    }

    static Update parseListener(Listener listener, ParseContext ctx, Findings f) {
        if (listener.hasApiListener()) {
            String host = HostPort.host(listener.getName());
            Integer port = HostPort.port(listener.getName());
            return connectionManager(listener.getName(), host, port, listener.getApiListener().getApiListener(),
                    "api_listener.api_listener", ctx, f);
        }
        if (ctx.proxyless()) {
            f.error("api_listener", "missing: only api_listeners (proxyless gRPC listeners) can be used by a client");
            return null;
        }
        Integer port = listener.getAddress().hasSocketAddress()
                && listener.getAddress().getSocketAddress().getPortValue() > 0
                ? listener.getAddress().getSocketAddress().getPortValue() : null;
        if (listener.getTrafficDirection() == TrafficDirection.INBOUND || port == null) {
            return new Update(listener.getName(), null, port, null, null, ParseContext.HttpFilters.DEFAULT);
        }
        for (int c = 0; c < listener.getFilterChainsCount(); c++) {
            FilterChain chain = listener.getFilterChains(c);
            for (int i = 0; i < chain.getFiltersCount(); i++) {
                Filter filter = chain.getFilters(i);
                if (filter.getTypedConfig().getTypeUrl().equals(HCM_TYPE) || filter.getName().equals(HCM_NAME)) {
                    return connectionManager(listener.getName(), null, port, filter.getTypedConfig(),
                            "filter_chains[" + c + "].filters[" + i + "].typed_config", ctx, f);
                }
            }
        }
        return new Update(listener.getName(), null, port, null, null, ParseContext.HttpFilters.DEFAULT);
    }

    private static Update connectionManager(String name, String host, Integer port, Any any, String path,
                                            ParseContext ctx, Findings f) {
        if (!any.getTypeUrl().equals(HCM_TYPE)) {
            f.error(path, "expected " + HCM_TYPE + ", got " + any.getTypeUrl());
            return null;
        }
        HttpConnectionManager hcm;
        try {
            hcm = any.unpack(HttpConnectionManager.class);
        } catch (InvalidProtocolBufferException e) {
            f.error(path, "cannot decode: " + e.getMessage());
            return null;
        }
        ParseContext.HttpFilters filters = httpFilters(hcm, path, f);
        String rdsName = null;
        RouteConfiguration inline = null;
        switch (hcm.getRouteSpecifierCase()) {
            case RDS -> {
                rdsName = hcm.getRds().getRouteConfigName();
                if (rdsName.isEmpty()) {
                    f.error(path + ".rds.route_config_name", "must not be empty");
                }
                var source = hcm.getRds().getConfigSource();
                if (!source.hasAds() && !source.hasSelf()) {
                    f.warn(path + ".rds.config_source", "only ads and self are supported; the route configuration is"
                            + " fetched over the ADS stream");
                }
            }
            case ROUTE_CONFIG -> {
                if (filters != null) {
                    Parsed<RouteConfiguration> routes = XdsRouteResource.parse(hcm.getRouteConfig(),
                            port == null ? 0 : port, ctx.withFilters(filters));
                    routes.warnings().forEach(w -> f.warn(Findings.join(path + ".route_config", w.path()),
                            w.message()));
                    if (!routes.ok()) {
                        f.error(path + ".route_config", routes.error());
                    }
                    inline = routes.value();
                }
            }
            default -> f.error(path, "route specifier " + hcm.getRouteSpecifierCase()
                    + " cannot be carried out by this client (use rds or route_config)");
        }
        if (f.hasErrors()) {
            return null;
        }
        return new Update(name, host, port, rdsName, inline, filters);
    }

    /** The fault filter and stream duration of a connection manager, or null with an error. */
    static ParseContext.HttpFilters httpFilters(HttpConnectionManager hcm, String path, Findings f) {
        boolean fault = false;
        FaultInjection defaultFault = null;
        for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
            HttpFilter filter = hcm.getHttpFilters(i);
            String fp = path + ".http_filters[" + i + "]";
            String type = filter.getTypedConfig().getTypeUrl();
            if (filter.getName().equals(XdsRouteResource.FAULT_FILTER) || type.equals(XdsRouteResource.FAULT_TYPE)) {
                fault = true;
                if (type.equals(XdsRouteResource.FAULT_TYPE)) {
                    defaultFault = XdsRouteResource.parseFault(filter.getTypedConfig(), fp + ".typed_config", f);
                }
            } else if (!type.equals(ROUTER_TYPE) && !filter.getName().equals(ROUTER_NAME)
                    && !filter.getIsOptional()) {
                f.warn(fp, "HTTP filter " + filter.getName() + " is not supported; ignored");
            }
        }
        Duration streamDuration = null;
        if (hcm.hasCommonHttpProtocolOptions() && hcm.getCommonHttpProtocolOptions().hasMaxStreamDuration()) {
            String sp = path + ".common_http_protocol_options.max_stream_duration";
            Duration d = XdsClusterResource.nonNegativeDuration(
                    hcm.getCommonHttpProtocolOptions().getMaxStreamDuration(), sp, f);
            streamDuration = d == null || d.isZero() ? null : d;
        }
        return f.hasErrors() ? null : new ParseContext.HttpFilters(fault, defaultFault, streamDuration);
    }
}
