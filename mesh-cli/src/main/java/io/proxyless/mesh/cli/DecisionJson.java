package io.proxyless.mesh.cli;

import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.api.HTTPDirectResponse;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.loader.ConfigWriter;
import io.proxyless.mesh.api.loader.Durations;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.dump.IstioNotation;
import io.proxyless.mesh.runtime.routing.FaultPolicy;
import io.proxyless.mesh.runtime.routing.Mirror;
import io.proxyless.mesh.runtime.routing.RetryPolicy;
import io.proxyless.mesh.runtime.routing.RouteAction;
import io.proxyless.mesh.runtime.routing.WeightedDestination;
import io.proxyless.mesh.runtime.tls.ClientTlsPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON shape of {@code mesh route}: one object describing a decision and, over samples, its picks. Its policy
 * parts ({@link #retries}, {@link #fault}, {@link #mirrors}) use the field names of {@code MeshDump}'s route
 * records, so {@code mesh route} and {@code mesh dump} describe a route the same way.
 */
final class DecisionJson {
    private DecisionJson() {
    }

    static Map<String, Object> describe(RouteDecision d, List<RouteDecision> samples, Mesh mesh) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("host", d.host());
        json.put("port", d.port());
        json.put("virtualService", d.virtualService());
        json.put("route", d.route() == null || d.route().isDefault() ? null : route(d));
        json.put("action", d.action().jsonName());
        json.put("destinations", destinations(d));
        json.put("picks", picks(samples));
        json.put("endpoint", d.endpoint() == null ? null
                : map("address", d.endpoint().address(), "port", d.endpoint().port()));
        json.put("tlsMode", tlsMode(d));
        json.put("loadBalancer", d.isForward() ? d.loadBalancer() : null);
        json.put("timeout", duration(d.timeout()));
        json.put("retries", d.isForward() ? retries(d.retries()) : null);
        json.put("fault", fault(d.fault()));
        json.put("mirrors", mirrors(d.mirrors()));
        json.put("redirect", d.route() == null ? null : ConfigWriter.valueToTree(IstioNotation.redirect(d.route())));
        HTTPDirectResponse direct = d.route() == null ? null : IstioNotation.directResponse(d.route());
        json.put("directResponse", direct == null ? null : map("status", direct.status(),
                "body", direct.body() == null ? null : direct.body().string() != null ? direct.body().string()
                        : direct.body().bytes()));
        json.put("rewrite", d.route() == null ? null : ConfigWriter.valueToTree(IstioNotation.rewrite(d.route())));
        json.put("reason", d.reason());
        List<String> warnings = new ArrayList<>();
        mesh.snapshot().configWarnings().stream().filter(p -> p.severity() != io.proxyless.mesh.api.Severity.INFO)
                .map(Problem::format).forEach(warnings::add);
        warnings.addAll(mesh.snapshot().warnings());
        json.put("warnings", warnings);
        return json;
    }

    /**
     * The TLS the picked endpoint gets (its cluster's TLS for it: a DestinationRule's {@code tls}, or Istio's
     * auto mTLS per endpoint), as Istio's {@code ClientTLSSettings.TLSmode}; null without an endpoint or for
     * passthrough, where the application's own scheme decides.
     */
    private static String tlsMode(RouteDecision d) {
        if (d.endpoint() == null || d.cluster() == null || d.cluster().passthrough()) {
            return null;
        }
        ClientTlsPolicy tls = d.cluster().tlsPolicy(d.endpoint());
        return tls == null ? ClientTLSSettings.TLSmode.DISABLE.name() : tls.mode().name();
    }

    private static Map<String, Object> route(RouteDecision d) {
        return map("index", d.route().index(), "name", d.route().name());
    }

    private static List<Object> destinations(RouteDecision d) {
        List<Object> out = new ArrayList<>();
        if (d.route() != null) {
            List<WeightedDestination> all = d.route().destinations();
            for (WeightedDestination w : all) {
                out.add(map("host", w.host(), "subset", w.subset(), "port", w.port(),
                        "weight", all.size() == 1 ? 100 : w.weight()));
            }
        } else if (d.cluster() != null && !d.cluster().passthrough()) {
            out.add(map("host", d.cluster().host(), "subset", null, "port", d.cluster().port(), "weight", 100));
        } else if (d.isForward()) {
            out.add(map("host", d.host(), "subset", null, "port", d.port(), "weight", 100));
        }
        return out;
    }

    /**
     * The sampled decisions grouped by outcome: forwards per destination, and every other outcome (rejections
     * above all) with the destination it was meant for, its status and reason, so that rejections show among
     * the picks instead of vanishing from them.
     */
    private static List<Object> picks(List<RouteDecision> samples) {
        Map<List<Object>, Map<String, Object>> counts = new LinkedHashMap<>();
        for (RouteDecision s : samples) {
            String host = s.destinationHost() != null && !s.destinationHost().isEmpty() ? s.destinationHost() : s.host();
            String subset = s.destinationSubset();
            String action = s.action().jsonName();
            Integer status = s.action() == RouteAction.REJECT ? s.status() : null;
            Map<String, Object> entry = counts.computeIfAbsent(Arrays.asList(action, host, subset, status, s.reason()),
                    k -> map("action", action, "host", host, "subset", subset, "status", status, "reason", s.reason(),
                            "count", 0));
            entry.put("count", (Integer) entry.get("count") + 1);
        }
        return new ArrayList<>(counts.values());
    }

    private static Map<String, Object> retries(RetryPolicy r) {
        return r == null ? null : map("attempts", r.attempts(), "perTryTimeout", duration(r.perTryTimeout()),
                "retryOn", r.retryOn());
    }

    private static Map<String, Object> fault(FaultPolicy f) {
        if (f == null) {
            return null;
        }
        return map(
                "delay", f.hasDelay() ? map("fixedDelay", duration(f.delay()), "percentage", f.delayPercentage()) : null,
                "abort", f.hasAbort() ? map("httpStatus", f.httpStatus(), "grpcStatus", f.grpcStatus(),
                        "percentage", f.abortPercentage()) : null);
    }

    private static List<Object> mirrors(List<Mirror> mirrors) {
        List<Object> out = new ArrayList<>();
        for (Mirror m : mirrors) {
            Integer port = m.port() != null ? m.port() : m.cluster() != null ? m.cluster().port() : null;
            out.add(map("host", m.host(), "subset", m.subset(), "port", port, "percentage", m.percentage()));
        }
        return out;
    }

    static String duration(Duration d) {
        return d == null ? null : Durations.formatProtoJson(d);
    }

    /** An insertion-ordered map that keeps null values (the JSON shape shows them as null). */
    static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }
}
