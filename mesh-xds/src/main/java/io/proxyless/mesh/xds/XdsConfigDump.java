package io.proxyless.mesh.xds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest;
import io.envoyproxy.envoy.extensions.load_balancing_policies.maglev.v3.Maglev;
import io.envoyproxy.envoy.extensions.load_balancing_policies.random.v3.Random;
import io.envoyproxy.envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash;
import io.envoyproxy.envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin;
import io.envoyproxy.envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.runtime.config.MeshConfig;

/**
 * The xDS source's config dump: every xDS resource it holds, with version, status and error, as JSON.
 *
 * <p>For an {@link XdsConfigSource}, one entry per xDS resource:
 * <pre>{@code
 * {"source": "xds", "server": "istiod.istio-system.svc:15010", "protocol": "SOTW", "shape": "sidecar",
 *  "connected": true, "meshConfigVersion": 7,
 *  "resources": [{"type": "CDS", "name": "outbound|9080|v1|reviews.default.svc.cluster.local",
 *                 "version": "2026-11-24T17:06:37Z/12", "status": "ACKED", "error": null,
 *                 "lastUpdated": "...", "resource": {...the Cluster as proto JSON...}}, ...],
 *  "warnings": ["warning: RDS 9080: virtual_hosts[0].routes[0].route.idle_timeout: not supported; ignored"]}
 * }</pre>
 * Other sources dump the Istio resources they hold ({@link io.proxyless.mesh.runtime.source.ConfigDump}).
 */
final class XdsConfigDump {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                    .add(HttpConnectionManager.getDescriptor()).add(Router.getDescriptor())
                    .add(HTTPFault.getDescriptor()).add(FilterConfig.getDescriptor())
                    .add(UpstreamTlsContext.getDescriptor()).add(RawBuffer.getDescriptor())
                    .add(HttpProtocolOptions.getDescriptor()).add(RoundRobin.getDescriptor())
                    .add(LeastRequest.getDescriptor()).add(Random.getDescriptor()).add(RingHash.getDescriptor())
                    .add(Maglev.getDescriptor()).add(WrrLocality.getDescriptor())
                    .build());

    private XdsConfigDump() {
    }

    /** The dump of {@code xds}. */
    static String of(XdsConfigSource xds) {
        ObjectNode root = JSON.createObjectNode();
        MeshConfig config = xds.current();
        root.put("source", "xds");
        root.put("server", xds.bootstrap().server().uri());
        root.put("protocol", xds.delta() ? "DELTA" : "SOTW");
        root.put("shape", xds.proxyless() ? "proxyless" : "sidecar");
        ObjectNode node = root.putObject("node");
        node.put("id", xds.bootstrap().node().id());
        node.put("cluster", xds.bootstrap().node().cluster());
        node.put("locality", xds.bootstrap().node().locality());
        root.put("connected", xds.connected());
        root.put("lastStreamError", xds.lastStreamError());
        root.put("meshConfigVersion", config.version());
        ArrayNode resources = root.putArray("resources");
        for (AdsClient.ResourceInfo r : xds.resources()) {
            ObjectNode o = resources.addObject();
            o.put("type", r.type().shortName());
            o.put("typeUrl", r.type().typeUrl());
            o.put("name", r.name());
            o.put("version", r.version());
            o.put("status", r.status().name());
            o.put("error", r.error());
            if (r.rejectedVersion() != null) {
                o.put("rejectedVersion", r.rejectedVersion());
            }
            o.put("lastUpdated", r.updated() == null ? null : r.updated().toString());
            if (r.raw() != null) {
                try {
                    o.set("resource", JSON.readTree(PRINTER.print(r.raw())));
                } catch (InvalidProtocolBufferException | JsonProcessingException e) {
                    o.put("resource", r.raw().toString());
                }
            }
        }
        ArrayNode warnings = root.putArray("warnings");
        config.warnings().stream().map(Problem::format).forEach(warnings::add);
        ArrayNode problems = root.putArray("lastProblems");
        xds.lastProblems().stream().filter(Problem::isError).map(Problem::format).forEach(problems::add);
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the config dump", e);
        }
    }
}
