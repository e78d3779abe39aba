package io.proxyless.mesh.benchmarks;

/** Generated Istio config for benchmarks: N Bookinfo-"reviews"-like services. */
final class MeshConfigs {
    private MeshConfigs() {
    }

    static String bookinfoLike(int services) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < services; i++) {
            String name = "svc" + i;
            int base = (i % 250) * 4;
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
                      - {address: 10.%2$d.%3$d.1, labels: {version: v1}}
                      - {address: 10.%2$d.%3$d.2, labels: {version: v2}}
                      - {address: 10.%2$d.%3$d.3, labels: {version: v3}}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: %1$s}
                    spec:
                      host: %1$s
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
                    """.formatted(name, i / 250 % 250, base % 250));
        }
        return out.toString();
    }
}
