package io.proxyless.mesh.runtime.security;

import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.runtime.config.MeshConfig;
import java.util.List;
import java.util.Map;

/** Test helpers: inbound policies from YAML, requests by a few words. */
final class Policies {
    static final String SLEEP = "spiffe://cluster.local/ns/default/sa/sleep";
    static final String OTHER = "spiffe://cluster.local/ns/default/sa/other";
    static final String PRODUCTPAGE = "spiffe://cluster.local/ns/default/sa/bookinfo-productpage";
    static final String FOO = "spiffe://cluster.local/ns/foo/sa/curl";

    private Policies() {
    }

    static MeshConfig config(String yaml) {
        return MeshConfig.of(ConfigLoader.create().loadString("policies.yaml", yaml));
    }

    /** The policy of workload {@code app: reviews} in {@code default}. */
    static InboundPolicy reviews(String yaml) {
        return InboundPolicy.compile(config(yaml), "default", Map.of("app", "reviews", "version", "v1"));
    }

    static InboundRequest.Builder request(String principal, String method, String path) {
        return InboundRequest.builder().port(9080).principal(principal).sourceIp("10.0.0.7").method(method)
                .path(path).host("reviews:9080");
    }

    static InboundRequest get(String principal, String path) {
        return request(principal, "GET", path).build();
    }

    static InboundRequest withHeader(String principal, String name, String value) {
        return request(principal, "GET", "/").headers(Map.of(name, List.of(value))).build();
    }
}
