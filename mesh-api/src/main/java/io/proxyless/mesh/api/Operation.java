package io.proxyless.mesh.api;

import java.util.List;

/**
 * Istio {@code Operation} of an authorization {@link Rule}: what the request does. Each field matches if the
 * request matches one of its values (a {@code not} field: none of them), and the operation matches if every field
 * set does. Hosts and paths match exactly, by prefix ({@code /api/*}), by suffix ({@code *.example.com}) or by
 * presence ({@code *}); hosts ignore case.
 *
 * @param hosts      the request's {@code :authority}
 * @param notHosts   authorities that must not match
 * @param ports      the workload port the request arrived on, as decimal strings
 * @param notPorts   ports that must not match
 * @param methods    HTTP methods ({@code GET}), or gRPC's {@code POST}
 * @param notMethods methods that must not match
 * @param paths      the request path without query ({@code /package.Service/Method} for gRPC)
 * @param notPaths   paths that must not match
 */
public record Operation(
        List<String> hosts,
        List<String> notHosts,
        List<String> ports,
        List<String> notPorts,
        List<String> methods,
        List<String> notMethods,
        List<String> paths,
        List<String> notPaths) {

    public Operation {
        hosts = Immutables.list(hosts);
        notHosts = Immutables.list(notHosts);
        ports = Immutables.list(ports);
        notPorts = Immutables.list(notPorts);
        methods = Immutables.list(methods);
        notMethods = Immutables.list(notMethods);
        paths = Immutables.list(paths);
        notPaths = Immutables.list(notPaths);
    }

    /** An operation matching any of these methods on any of these paths. */
    public static Operation of(List<String> methods, List<String> paths) {
        return new Operation(null, null, null, null, methods, null, paths, null);
    }
}
