package io.proxyless.mesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.proxyless.mesh.api.HTTPFaultInjection;
import java.time.Duration;

/**
 * Listener → {@link XdsListener}. Only {@code api_listener}s are meaningful to a client (istiod's proxyless
 * gRPC shape); a listener without one is an error, as in grpc-java.
 */
final class ListenerParser {
    static final String HCM_TYPE =
            "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
    private static final String ROUTER_TYPE = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

    private ListenerParser() {
    }

    static Parsed<XdsListener> parse(Listener listener, ParseContext ctx) {
        Findings f = new Findings();
        XdsListener value = parseListener(listener, ctx, f);
        return Parsed.of(value, f);
    }

    static XdsListener parseListener(Listener listener, ParseContext ctx, Findings f) {
        if (!listener.hasApiListener() || !listener.getApiListener().hasApiListener()) {
            f.error("api_listener", "missing: only api_listeners (proxyless gRPC listeners) can be used by a client");
            return null;
        }
        Any any = listener.getApiListener().getApiListener();
        if (!any.getTypeUrl().equals(HCM_TYPE)) {
            f.error("api_listener.api_listener", "expected " + HCM_TYPE + ", got " + any.getTypeUrl());
            return null;
        }
        HttpConnectionManager hcm;
        try {
            hcm = any.unpack(HttpConnectionManager.class);
        } catch (InvalidProtocolBufferException e) {
            f.error("api_listener.api_listener", "cannot decode: " + e.getMessage());
            return null;
        }
        String path = "api_listener.api_listener";
        String rdsName = null;
        XdsRouteConfig inline = null;
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
            case ROUTE_CONFIG -> inline = RouteConfigParser.parseRouteConfiguration(hcm.getRouteConfig(),
                    path + ".route_config", ctx, f);
            default -> f.error(path, "route specifier " + hcm.getRouteSpecifierCase()
                    + " is not supported (use rds or route_config)");
        }
        boolean fault = false;
        HTTPFaultInjection defaultFault = null;
        for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
            HttpFilter filter = hcm.getHttpFilters(i);
            String fp = path + ".http_filters[" + i + "]";
            String type = filter.getTypedConfig().getTypeUrl();
            if (filter.getName().equals(RouteConfigParser.FAULT_FILTER) || type.equals(RouteConfigParser.FAULT_TYPE)) {
                fault = true;
                if (type.equals(RouteConfigParser.FAULT_TYPE)) {
                    try {
                        defaultFault = RouteConfigParser.parseFault(filter.getTypedConfig().unpack(HTTPFault.class),
                                fp + ".typed_config", f);
                    } catch (InvalidProtocolBufferException e) {
                        f.error(fp + ".typed_config", "cannot decode: " + e.getMessage());
                    }
                }
            } else if (!type.equals(ROUTER_TYPE) && !filter.getName().equals("envoy.filters.http.router")
                    && !filter.getIsOptional()) {
                f.warn(fp, "HTTP filter " + filter.getName() + " is not supported; ignored");
            }
        }
        Duration streamDuration = null;
        if (hcm.hasCommonHttpProtocolOptions() && hcm.getCommonHttpProtocolOptions().hasMaxStreamDuration()) {
            Duration d = ProtoValues.duration(hcm.getCommonHttpProtocolOptions().getMaxStreamDuration());
            streamDuration = d.isZero() ? null : d;
        }
        return new XdsListener(listener.getName(), rdsName, inline, fault, defaultFault, streamDuration);
    }
}
