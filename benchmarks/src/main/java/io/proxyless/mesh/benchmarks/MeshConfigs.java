package io.proxyless.mesh.benchmarks;

/** Generated Istio config for benchmarks: N Bookinfo-"reviews"-like services. */
final class MeshConfigs {
    private MeshConfigs() {
    }

    /**
     * N services like Bookinfo's reviews: each a ServiceEntry with three endpoints per version (v1, v2, v3), a
     * DestinationRule with LEAST_REQUEST and a subset per version, and a VirtualService with a header match
     * ({@code end-user: jason} → v2) and an 80/20 split over v1/v3. So a decision picks LEAST_REQUEST among three
     * endpoints of its subset.
     */
    static String bookinfoLike(int services) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < services; i++) {
            String name = "svc" + i;
            StringBuilder endpoints = new StringBuilder();
            int host = 1;
            for (String version : new String[] {"v1", "v2", "v3"}) {
                for (int e = 0; e < 3; e++) {
                    endpoints.append("      - {address: 10.%d.%d.%d, labels: {version: %s}}\n"
                            .formatted(i / 250 % 250, i % 250, host++, version));
                }
            }
            out.append("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: %1$s}
                    spec:
                      hosts: [%1$s.default.svc.cluster.local]
                      location: MESH_INTERNAL
                      resolution: STATIC
                      ports: [{number: 9080, name: http, protocol: HTTP}]
                      endpoints:
                    %2$s---
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: %1$s}
                    spec:
                      host: %1$s
                      trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}
                      subsets:
                      - {name: v1, labels: {version: v1}}
                      - {name: v2, labels: {version: v2}}
                      - {name: v3, labels: {version: v3}}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: %1$s}
                    spec:
                      hosts: [%1$s]
                      http:
                      - match: [{headers: {end-user: {exact: jason}}}]
                        route: [{destination: {host: %1$s, subset: v2}}]
                      - route:
                        - {destination: {host: %1$s, subset: v1}, weight: 80}
                        - {destination: {host: %1$s, subset: v3}, weight: 20}
                    ---
                    """.formatted(name, endpoints));
        }
        return out.toString();
    }

    /** The host the HTTP scenarios call: {@code http://echo:8080/...}. */
    static final String HTTP_HOST = "echo.default.svc.cluster.local";
    /** The host the gRPC scenarios call: {@code grpc-echo:9090}. */
    static final String GRPC_HOST = "grpc-echo.default.svc.cluster.local";

    /**
     * The HTTP scenario: service {@code echo} with four endpoints on 127.0.0.1 ({@code ports}: v1, v1, v2, v2),
     * LEAST_REQUEST balancing with outlier detection, a VirtualService sending {@code end-user: jason} to v2 and
     * everyone else 80/20 to v1/v2, both routes with retries. With {@code mirrorPort} (not null), the default route
     * also mirrors every request to service {@code echo-mirror} on that port.
     */
    static String httpEcho(int[] ports, Integer mirrorPort) {
        StringBuilder out = new StringBuilder();
        out.append(serviceEntry("echo", HTTP_HOST, 8080, "HTTP", ports, "v1", "v1", "v2", "v2"));
        out.append(destinationRule("echo", HTTP_HOST, "LEAST_REQUEST"));
        String retries = "retries: {attempts: 2, retryOn: \"connect-failure,refused-stream,5xx\"}";
        String mirror = "";
        if (mirrorPort != null) {
            out.append(serviceEntry("echo-mirror", "echo-mirror.default.svc.cluster.local", 8080, "HTTP",
                    new int[] {mirrorPort}, "v1"));
            mirror = """
                        mirror: {host: echo-mirror.default.svc.cluster.local}
                        mirrorPercentage: {value: 100.0}
                    """;
        }
        out.append("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: echo}
                spec:
                  hosts: [echo]
                  http:
                  - match: [{headers: {end-user: {exact: jason}}}]
                    route: [{destination: {host: echo, subset: v2}}]
                    %1$s
                  - route:
                    - {destination: {host: echo, subset: v1}, weight: 80}
                    - {destination: {host: echo, subset: v2}, weight: 20}
                    %1$s
                %2$s---
                """.formatted(retries, mirror));
        return out.toString();
    }

    /**
     * The gRPC scenario, the same routing for {@code grpc-echo:9090}: {@code end-user: jason} to v2, others 80/20
     * v1/v2, retries on {@code unavailable,cancelled}, ROUND_ROBIN over two endpoints per subset (grpc-xds gets
     * the same from {@link XdsResources#grpcEcho}).
     */
    static String grpcEcho(int[] ports) {
        return serviceEntry("grpc-echo", GRPC_HOST, 9090, "GRPC", ports, "v1", "v1", "v2", "v2")
                + destinationRule("grpc-echo", GRPC_HOST, "ROUND_ROBIN")
                + """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: grpc-echo}
                spec:
                  hosts: [grpc-echo]
                  http:
                  - match: [{headers: {end-user: {exact: jason}}}]
                    route: [{destination: {host: grpc-echo, subset: v2}}]
                    retries: {attempts: 2, retryOn: "unavailable,cancelled"}
                  - route:
                    - {destination: {host: grpc-echo, subset: v1}, weight: 80}
                    - {destination: {host: grpc-echo, subset: v2}, weight: 20}
                    retries: {attempts: 2, retryOn: "unavailable,cancelled"}
                ---
                """;
    }

    /**
     * The config-apply scale scenario: N services, each a ServiceEntry with three endpoints on port 9080, a
     * DestinationRule (LEAST_REQUEST) and a VirtualService with a header-match route and a default route (both with
     * retries) — N clusters, 3N endpoints;
     * {@link XdsResources#scale} is the same config as istiod would send it.
     */
    static String scale(int services) {
        return scale(0, services, -1, 0);
    }

    /**
     * Services {@code from} (inclusive) to {@code to} (exclusive) of {@link #scale(int)}, what one file of a
     * directory of manifests holds; service {@code changed}'s third endpoint is {@code 10.250.X.Y} for
     * {@code version} X·250+Y &gt; 0 (a one-service change).
     */
    static String scale(int from, int to, int changed, int version) {
        return scale(from, to, changed, version, 0);
    }

    /**
     * {@link #scale(int, int, int, int)} where service {@code changed}'s default route also has a timeout of
     * {@code routeVersion} seconds for {@code routeVersion} &gt; 0 (a one-service route change).
     */
    static String scale(int from, int to, int changed, int version, int routeVersion) {
        StringBuilder out = new StringBuilder((to - from) * 700);
        for (int i = from; i < to; i++) {
            int a = i / 250 % 250;
            int b = i % 250;
            out.append("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: svc%1$d}
                    spec:
                      hosts: [svc%1$d.default.svc.cluster.local]
                      location: MESH_INTERNAL
                      resolution: STATIC
                      ports: [{number: 9080, name: http, protocol: HTTP}]
                      endpoints:
                      - {address: 10.%2$d.%3$d.1}
                      - {address: 10.%2$d.%3$d.2}
                      - {address: %4$s}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: svc%1$d}
                    spec:
                      host: svc%1$d
                      trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: svc%1$d}
                    spec:
                      hosts: [svc%1$d]
                      http:
                      - match: [{headers: {end-user: {exact: jason}}}]
                        route: [{destination: {host: svc%1$d}}]
                        retries: {attempts: 3, retryOn: "5xx"}
                      - route: [{destination: {host: svc%1$d}}]
                        retries: {attempts: 2, retryOn: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"}%5$s
                    ---
                    """.formatted(i, a, b, i == changed && version > 0 ? changedAddress(version)
                            : "10." + a + "." + b + ".3",
                            i == changed && routeVersion > 0 ? "\n    timeout: " + routeVersion + "s" : ""));
        }
        return out.toString();
    }

    /** The changed service's third endpoint in {@code version} (&gt; 0) of a one-service change. */
    static String changedAddress(int version) {
        return "10.250." + version / 250 % 250 + "." + version % 250;
    }

    private static String serviceEntry(String name, String host, int port, String protocol, int[] ports,
                                       String... versions) {
        StringBuilder sb = new StringBuilder("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: %d, name: %s, protocol: %s}]
                  endpoints:
                """.formatted(name, host, port, protocol.toLowerCase(java.util.Locale.ROOT), protocol));
        for (int i = 0; i < ports.length; i++) {
            sb.append("  - {address: 127.0.0.1, ports: {").append(protocol.toLowerCase(java.util.Locale.ROOT))
                    .append(": ").append(ports[i]).append("}, labels: {version: ").append(versions[i]).append("}}\n");
        }
        return sb.append("---\n").toString();
    }

    private static String destinationRule(String name, String host, String lb) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %s}
                spec:
                  host: %s
                  trafficPolicy:
                    loadBalancer: {simple: %s}
                    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                ---
                """.formatted(name, host, lb);
    }
}
