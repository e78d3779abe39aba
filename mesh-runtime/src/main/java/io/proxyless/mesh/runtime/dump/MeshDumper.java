package io.proxyless.mesh.runtime.dump;

import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.health.OutlierDetector;
import io.proxyless.mesh.runtime.policy.ClusterPolicy;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.registry.MeshService;
import io.proxyless.mesh.runtime.registry.RegistryOptions;
import io.proxyless.mesh.runtime.registry.ServicePortSpec;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.routing.CompiledRoute;
import io.proxyless.mesh.runtime.routing.FaultPolicy;
import io.proxyless.mesh.runtime.routing.HostEntry;
import io.proxyless.mesh.runtime.routing.Mirror;
import io.proxyless.mesh.runtime.routing.RetryPolicy;
import io.proxyless.mesh.runtime.routing.WeightedDestination;
import io.proxyless.mesh.runtime.tls.ClientTlsPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@link CompiledMesh} through its public accessors into a {@link MeshDump}. The only place that knows
 * both shapes, so a change of the compiled model changes this class and nothing in the dump's contract.
 */
final class MeshDumper {
    private MeshDumper() {
    }

    static MeshDump dump(CompiledMesh snapshot) {
        RegistryOptions client = snapshot.registry().options();
        List<Problem> warnings = new ArrayList<>();
        snapshot.configWarnings().stream().filter(p -> !p.blocksConfig()).forEach(warnings::add);
        for (String w : snapshot.warnings()) {
            // Compile warnings name their resource in the text; they have no file position of their own.
            warnings.add(new Problem(Severity.WARNING, null, 0, null, null, null, null, w));
        }
        return new MeshDump(
                new MeshDump.Client(client.clientNamespace(), client.clientLabels(), client.domainSuffix(),
                        snapshot.registry().sidecar().orElse(null)),
                snapshot.outboundTrafficPolicy().name(),
                snapshot.registry().services().stream()
                        .map(s -> service(s, snapshot.registry().externalNameAliases(s.host()))).toList(),
                routeTables(snapshot),
                snapshot.clusters().values().stream().sorted(Comparator.comparing(Cluster::key))
                        .map(MeshDumper::cluster).toList(),
                warnings);
    }

    private static MeshDump.Service service(MeshService s, List<String> aliases) {
        List<MeshDump.ServiceEndpoint> endpoints = new ArrayList<>();
        for (Integer port : s.endpointTable().ports()) {
            for (Endpoint e : s.endpoints(port)) {
                endpoints.add(new MeshDump.ServiceEndpoint(port, e.address(), e.port(), e.labels(), e.locality(),
                        e.weight()));
            }
        }
        return new MeshDump.Service(s.host(), s.namespace(), s.source(), s.location().name(), s.resolution().name(),
                s.exportTo().stream().sorted().toList(), s.addresses(), s.subjectAltNames(),
                s.ports().stream().map(MeshDumper::port).toList(), endpoints, aliases);
    }

    private static MeshDump.Port port(ServicePortSpec p) {
        return new MeshDump.Port(p.number(), p.name(), p.protocol(), p.targetPort() == 0 ? null : p.targetPort());
    }

    /**
     * A table per host and listener port: the routes of a service with several ports differ by port (a
     * VirtualService's {@code match.port}), so each port is shown, not only the first.
     */
    private static List<MeshDump.RouteTable> routeTables(CompiledMesh snapshot) {
        List<MeshDump.RouteTable> tables = new ArrayList<>();
        for (HostEntry h : snapshot.hosts()) {
            Map<Integer, HostEntry> byPort = snapshot.entriesByPort(h.host());
            if (byPort.isEmpty()) {
                tables.add(routeTable(snapshot, h, null));
            } else {
                byPort.forEach((port, entry) -> tables.add(routeTable(snapshot, entry, port)));
            }
        }
        return tables;
    }

    private static MeshDump.RouteTable routeTable(CompiledMesh snapshot, HostEntry h, Integer port) {
        List<Integer> ports = snapshot.registry().lookup(h.host())
                .map(s -> s.ports().stream().map(ServicePortSpec::number).toList()).orElse(List.of());
        String virtualService = h.routes().stream().map(CompiledRoute::virtualService)
                .filter(java.util.Objects::nonNull).findFirst().orElse(null);
        Map<Integer, String> defaults = new HashMap<>();
        for (int servicePort : ports) {
            if (port != null && servicePort != port) {
                continue; // the table of one port: that port's default cluster
            }
            // Each service port's cluster without subset: where the default route goes without VirtualService.
            String key = Cluster.key(servicePort, null, h.host());
            if (snapshot.clusters().containsKey(key)) {
                defaults.put(servicePort, key);
            }
        }
        List<CompiledRoute> routes = virtualService == null ? List.of() : h.routes();
        return new MeshDump.RouteTable(h.host(), port, ports, virtualService,
                routes.stream().map(MeshDumper::route).toList(), defaults);
    }

    private static MeshDump.Route route(CompiledRoute r) {
        List<WeightedDestination> all = r.destinations();
        List<MeshDump.Destination> destinations = new ArrayList<>();
        for (WeightedDestination d : all) {
            Cluster c = d.cluster();
            destinations.add(new MeshDump.Destination(d.host(), d.subset(), d.port(),
                    all.size() == 1 ? 100 : d.weight(), c == null ? null : c.key(), Map.of(), d.problem()));
        }
        return new MeshDump.Route(r.index(), r.name(), r.matchSummary(), r.action().jsonName(), destinations,
                r.timeout(), retries(r.retries()), fault(r.fault()),
                r.mirrors().stream().map(MeshDumper::mirror).toList(),
                IstioNotation.headers(r), IstioNotation.rewrite(r), IstioNotation.redirect(r),
                IstioNotation.directResponse(r));
    }

    private static MeshDump.Retries retries(RetryPolicy r) {
        return r == null ? null : new MeshDump.Retries(r.attempts(), r.perTryTimeout(), r.retryOn());
    }

    private static MeshDump.Fault fault(FaultPolicy f) {
        if (f == null) {
            return null;
        }
        return new MeshDump.Fault(
                f.hasDelay() ? new MeshDump.Delay(f.delay(), f.delayPercentage()) : null,
                f.hasAbort() ? new MeshDump.Abort(f.httpStatus(), f.grpcStatus(), f.abortPercentage()) : null);
    }

    private static MeshDump.Mirror mirror(Mirror m) {
        Cluster c = m.cluster();
        return new MeshDump.Mirror(m.host(), m.subset(), m.port() != null ? m.port()
                : c != null ? Integer.valueOf(c.port()) : null, m.percentage(), c == null ? null : c.key());
    }

    private static MeshDump.Cluster cluster(Cluster c) {
        ClusterPolicy p = c.policy();
        OutlierDetector outlier = c.outlier();
        List<MeshDump.ClusterEndpoint> endpoints = c.endpoints().stream()
                .map(e -> new MeshDump.ClusterEndpoint(e.address(), e.port(), e.labels(), e.locality(), e.weight(),
                        outlier.isEjected(e), c.loadBalancer().inFlight(e), tlsMode(c, e)))
                .toList();
        return new MeshDump.Cluster(c.key(), c.host(), c.subset(), c.port(), c.passthrough(), c.loadBalancerName(),
                endpoints,
                c.priorities() == null || c.priorities().levels().size() < 2 ? null
                        : c.priorities().levels().stream()
                        .map(level -> level.stream().map(Endpoint::authority).toList()).toList(),
                new MeshDump.Policy(p.loadBalancer(), p.connectionPool(), p.outlierDetection(), p.tls()),
                connectionPool(c.pool()), outliers(outlier.snapshot()));
    }

    /** The endpoint's TLS as Istio names its modes; null for passthrough (the application's scheme decides). */
    private static String tlsMode(Cluster c, Endpoint e) {
        if (c.passthrough()) {
            return null;
        }
        ClientTlsPolicy tls = c.tlsPolicy(e);
        return tls == null ? ClientTLSSettings.TLSmode.DISABLE.name() : tls.mode().name();
    }

    private static MeshDump.ConnectionPool connectionPool(ConnectionPool pool) {
        ConnectionPool.Limits l = pool.limits();
        ConnectionPool.Stats s = pool.stats();
        return new MeshDump.ConnectionPool(l.maxConnections(), l.maxPendingRequests(), l.maxRequests(),
                l.maxRetries(), l.maxRequestsPerConnection(), l.connectTimeout(), l.idleTimeout(),
                l.maxConnectionDuration(), s.activeRequests(), s.pendingRequests(), s.activeRetries());
    }

    private static MeshDump.Outliers outliers(OutlierDetector.Snapshot o) {
        if (!o.enabled()) {
            return MeshDump.Outliers.DISABLED;
        }
        OutlierDetector.Settings s = o.settings();
        return new MeshDump.Outliers(true, s.consecutive5xxErrors(), s.consecutiveGatewayErrors(),
                s.splitExternalLocalOriginErrors(), s.consecutiveLocalOriginFailures(), s.interval(),
                s.baseEjectionTime(), s.maxEjectionTime(), s.maxEjectionPercent(), s.minHealthPercent(),
                s.httpErrorCodes().stream().sorted().toList(), o.endpointCount(), o.ejectedCount(),
                o.ejected().stream().map(h -> new MeshDump.Ejection(h.endpoint().address(), h.endpoint().port(),
                        h.lastEjectionType() == null ? null : h.lastEjectionType().name(), h.timesEjected(),
                        h.remaining())).toList());
    }
}
