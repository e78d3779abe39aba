package io.proxyless.mesh.runtime.call;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.re2j.Pattern;
import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.StringMatch;
import io.proxyless.mesh.api.VirtualService;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.routing.CompiledRoute;
import java.util.ArrayList;
import java.util.List;

/**
 * How many leading characters of the request path the matched route "consumed", which Envoy's
 * {@code prefix_rewrite} replaces: the prefix for a {@code uri.prefix} match, the whole path for {@code exact}
 * and {@code regex} matches, and {@code "/"} (one character) for a match without {@code uri} (istiod gives those
 * routes the prefix {@code /}).
 *
 * <p>istiod turns each match block into its own Envoy route, so the answer depends on which block matched. The
 * compiled route does not say which one did; until the engine reports it, the blocks are found again in the
 * config (by the identity of the route's {@code rewrite}/{@code redirect} object) and the first block whose
 * {@code uri} condition holds is taken. This is exact when a route has one block or its blocks differ by URI;
 * for blocks with different URI kinds that differ only in other conditions it can pick an earlier block.
 */
final class MatchedPrefix {

    /** The URI conditions of a route's match blocks, compiled once per compiled route. */
    private record UriConditions(List<Condition> conditions) {
    }

    private record Condition(StringMatch match, boolean ignoreCase, Pattern regex) {
        /** Characters consumed when this condition holds for {@code path}, or -1. */
        int consumed(String path) {
            if (match == null) {
                return 1;
            }
            if (match.prefix() != null) {
                String p = match.prefix();
                return path.regionMatches(ignoreCase, 0, p, 0, p.length()) ? p.length() : -1;
            }
            if (match.exact() != null) {
                boolean eq = ignoreCase ? match.exact().equalsIgnoreCase(path) : match.exact().equals(path);
                return eq ? path.length() : -1;
            }
            if (regex != null) {
                return regex.matches(path) ? path.length() : -1;
            }
            return 1;
        }
    }

    // Keyed by compiled route identity; compiled routes die with their snapshot.
    private static final Cache<CompiledRoute, UriConditions> CACHE = CacheBuilder.newBuilder()
            .weakKeys()
            .build();

    private MatchedPrefix() {
    }

    /** Characters of {@code path} (without query) that {@code route}'s matched block consumed; 1 when unknown. */
    static int length(MeshConfig config, CompiledRoute route, String path) {
        if (route == null) {
            return 1;
        }
        UriConditions conditions = CACHE.getIfPresent(route);
        if (conditions == null) {
            conditions = find(config, route);
            CACHE.put(route, conditions);
        }
        for (Condition c : conditions.conditions()) {
            int n = c.consumed(path);
            if (n >= 0) {
                return n;
            }
        }
        return 1;
    }

    private static UriConditions find(MeshConfig config, CompiledRoute route) {
        if (config == null || (route.rewrite() == null && route.redirect() == null)) {
            return new UriConditions(List.of());
        }
        for (Resource<VirtualService> vs : config.<VirtualService>resources(ResourceKind.VIRTUAL_SERVICE)) {
            for (HTTPRoute h : vs.spec().http()) {
                boolean same = (route.rewrite() != null && h.rewrite() == route.rewrite())
                        || (route.redirect() != null && h.redirect() == route.redirect());
                if (same) {
                    return compile(h.match());
                }
            }
        }
        return new UriConditions(List.of());
    }

    private static UriConditions compile(List<HTTPMatchRequest> blocks) {
        List<Condition> out = new ArrayList<>();
        for (HTTPMatchRequest m : blocks) {
            StringMatch uri = m.uri() == null || m.uri().isEmpty() ? null : m.uri();
            Pattern regex = uri != null && uri.regex() != null ? Pattern.compile(uri.regex()) : null;
            out.add(new Condition(uri, Boolean.TRUE.equals(m.ignoreUriCase()), regex));
        }
        return new UriConditions(List.copyOf(out));
    }
}
