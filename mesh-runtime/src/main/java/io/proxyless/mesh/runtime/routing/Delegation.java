package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.StringMatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges a root route that delegates with one route of the delegate VirtualService, as Istio does: the match
 * blocks are combined (root AND delegate: every root block with every delegate block; a pair whose URI matches
 * cannot both hold is dropped), and the delegate's own settings win, falling back to the root's for timeout,
 * retries, fault, mirror, rewrite and header operations.
 */
final class Delegation {
    private Delegation() {
    }

    static HTTPRoute merge(HTTPRoute root, HTTPRoute delegate) {
        List<HTTPMatchRequest> matches;
        if (root.match().isEmpty()) {
            matches = delegate.match();
        } else if (delegate.match().isEmpty()) {
            matches = root.match();
        } else {
            matches = new ArrayList<>();
            for (HTTPMatchRequest r : root.match()) {
                for (HTTPMatchRequest d : delegate.match()) {
                    HTTPMatchRequest merged = mergeMatch(r, d);
                    if (merged != null) {
                        matches.add(merged);
                    }
                }
            }
            if (matches.isEmpty()) {
                // No combination can match: drop the route rather than turn it into a catch-all.
                return null;
            }
        }
        return new HTTPRoute(
                delegate.name() != null ? delegate.name() : root.name(),
                matches,
                delegate.route(),
                delegate.redirect(),
                delegate.directResponse(),
                null,
                delegate.rewrite() != null ? delegate.rewrite() : root.rewrite(),
                delegate.timeout() != null ? delegate.timeout() : root.timeout(),
                delegate.retries() != null ? delegate.retries() : root.retries(),
                delegate.fault() != null ? delegate.fault() : root.fault(),
                delegate.mirror() != null ? delegate.mirror() : root.mirror(),
                !delegate.mirrors().isEmpty() ? delegate.mirrors() : root.mirrors(),
                delegate.mirrorPercent() != null ? delegate.mirrorPercent() : root.mirrorPercent(),
                delegate.mirrorPercentage() != null ? delegate.mirrorPercentage() : root.mirrorPercentage(),
                delegate.corsPolicy() != null ? delegate.corsPolicy() : root.corsPolicy(),
                delegate.headers() != null ? delegate.headers() : root.headers());
    }

    private static HTTPMatchRequest mergeMatch(HTTPMatchRequest root, HTTPMatchRequest delegate) {
        StringMatch uri = root.uri();
        if (delegate.uri() != null) {
            if (root.uri() != null && !within(delegate.uri(), root.uri())) {
                return null;
            }
            uri = delegate.uri();
        }
        return new HTTPMatchRequest(
                delegate.name() != null ? delegate.name() : root.name(),
                uri,
                delegate.scheme() != null ? delegate.scheme() : root.scheme(),
                delegate.method() != null ? delegate.method() : root.method(),
                delegate.authority() != null ? delegate.authority() : root.authority(),
                union(root.headers(), delegate.headers()),
                delegate.port() != null ? delegate.port() : root.port(),
                union(root.sourceLabels(), delegate.sourceLabels()),
                !delegate.gateways().isEmpty() ? delegate.gateways() : root.gateways(),
                union(root.queryParams(), delegate.queryParams()),
                delegate.ignoreUriCase() != null ? delegate.ignoreUriCase() : root.ignoreUriCase(),
                union(root.withoutHeaders(), delegate.withoutHeaders()),
                delegate.sourceNamespace() != null ? delegate.sourceNamespace() : root.sourceNamespace(),
                delegate.statPrefix() != null ? delegate.statPrefix() : root.statPrefix());
    }

    /** Can a request satisfy both: the delegate's URI match must lie inside the root's. */
    private static boolean within(StringMatch delegate, StringMatch root) {
        if (root.prefix() != null) {
            String d = delegate.prefix() != null ? delegate.prefix() : delegate.exact();
            return d == null || d.startsWith(root.prefix());
        }
        if (root.exact() != null) {
            return root.exact().equals(delegate.exact());
        }
        return true; // regex roots: Istio does not try to prove containment
    }

    private static <V> Map<String, V> union(Map<String, V> root, Map<String, V> delegate) {
        if (root.isEmpty()) {
            return delegate;
        }
        if (delegate.isEmpty()) {
            return root;
        }
        Map<String, V> out = new LinkedHashMap<>(root);
        out.putAll(delegate);
        return out;
    }
}
