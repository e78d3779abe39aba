package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.StringMatch;
import io.proxyless.mesh.api.VirtualService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The unreachable-rule analysis Istio runs while validating a VirtualService, for its http, tcp and tls routes:
 * <ul>
 *   <li>IST0130 VirtualServiceUnreachableRule: a route after a route without matches ("route without matches
 *       defined before"; once per match block), a second route without matches ("only the last rule can have no
 *       matches"), or a route all of whose match blocks repeat earlier ones ("all matches used by prior
 *       rules");</li>
 *   <li>IST0131 VirtualServiceIneffectiveMatch (info): a match block equal to one of an earlier route (its
 *       {@code name} aside), and for http an {@code uri.prefix} block that an earlier prefix block covers: a
 *       shorter prefix with the same port, and the same or a covering method (GET when unset), authority,
 *       headers, query parameters and {@code withoutHeaders}.</li>
 * </ul>
 * Routes are named as Istio names them: an http route's {@code name} in quotes, else {@code #INDEX}. Like
 * Istio, a route after one without matches is reported once per match block; each report points at the route.
 */
final class UnreachableRuleAnalyzer implements Analyzer {

    @Override
    public void analyze(AnalysisInput input, List<Problem> findings) {
        for (Resource<VirtualService> r : input.<VirtualService>all(ResourceKind.VIRTUAL_SERVICE)) {
            VirtualService vs = r.spec();
            http(r, vs.http(), findings);
            List<List<?>> tcp = vs.tcp().stream().<List<?>>map(t -> t.match()).toList();
            layer4(r, "spec.tcp", tcp, findings);
            List<List<?>> tls = vs.tls().stream().<List<?>>map(t -> t.match()).toList();
            layer4(r, "spec.tls", tls, findings);
        }
    }

    private static void unreachable(Resource<?> r, String path, String rule, String reason, List<Problem> out) {
        out.add(AnalysisMessage.VIRTUAL_SERVICE_UNREACHABLE_RULE.at(r, path,
                "VirtualService rule " + rule + " not used (" + reason + ")."));
    }

    private static void ineffective(Resource<?> r, String path, String rule, String match, String dup,
                                    List<Problem> out) {
        out.add(AnalysisMessage.VIRTUAL_SERVICE_INEFFECTIVE_MATCH.at(r, path,
                "VirtualService rule " + rule + " match " + match + " is not used (duplicate/overlapping match in rule "
                        + dup + ")."));
    }

    // ---------------------------------------------------------------- http

    private static void http(Resource<VirtualService> r, List<HTTPRoute> routes, List<Problem> out) {
        Map<HTTPMatchRequest, Integer> seen = new HashMap<>();
        int noMatchRoute = -1;
        List<PrefixMatch> prefixMatches = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) {
            HTTPRoute route = routes.get(i);
            String at = "spec.http[" + i + "]";
            String rule = routeName(route, i);
            if (route.match().isEmpty()) {
                if (noMatchRoute >= 0) {
                    unreachable(r, at, rule, "only the last rule can have no matches", out);
                }
                noMatchRoute = i;
                continue;
            }
            int duplicates = 0;
            for (int j = 0; j < route.match().size(); j++) {
                if (noMatchRoute >= 0) {
                    unreachable(r, at, rule, "route without matches defined before", out);
                    continue;
                }
                HTTPMatchRequest match = route.match().get(j);
                Integer first = seen.putIfAbsent(withoutName(match), i);
                if (first != null) {
                    ineffective(r, at + ".match[" + j + "]", rule, matchName(match, j),
                            routeName(routes.get(first), first), out);
                    duplicates++;
                    continue;
                }
                PrefixMatch prefix = PrefixMatch.of(at + ".match[" + j + "]", rule, matchName(match, j), match);
                if (prefix != null) {
                    prefixMatches.add(prefix);
                }
            }
            if (duplicates == route.match().size()) {
                unreachable(r, at, rule, "all matches used by prior rules", out);
            }
        }
        for (int a = 0; a < prefixMatches.size(); a++) {
            PrefixMatch earlier = prefixMatches.get(a);
            for (int b = a + 1; b < prefixMatches.size(); b++) {
                PrefixMatch later = prefixMatches.get(b);
                if (!later.prefix.equals(earlier.prefix) && earlier.covers(later)) {
                    ineffective(r, later.path, later.rule, later.match + " of prefix " + later.prefix,
                            earlier.match + " of prefix " + earlier.prefix + " on " + earlier.rule, out);
                }
            }
        }
    }

    /**
     * An http match block with a URI prefix, reduced to what Istio compares for overlaps; string conditions are
     * {@code exact:V} or {@code prefix:V} (regexes are not compared).
     */
    private record PrefixMatch(String path, String rule, String match, String prefix, Integer port, String method,
                               String authority, Map<String, String> headers, Map<String, String> queryParams,
                               Map<String, String> withoutHeaders) {

        static PrefixMatch of(String path, String rule, String matchName, HTTPMatchRequest m) {
            if (m.uri() == null || m.uri().prefix() == null || m.uri().prefix().isEmpty()) {
                return null;
            }
            String method = exactOrPrefix(m.method());
            return new PrefixMatch(path, rule, matchName, m.uri().prefix(), m.port() == null ? 0 : m.port(),
                    method.isEmpty() ? "exact:GET" : method, exactOrPrefix(m.authority()), conditions(m.headers()),
                    conditions(m.queryParams()), conditions(m.withoutHeaders()));
        }

        /** Whether this earlier block takes every request {@code later} would. */
        boolean covers(PrefixMatch later) {
            if (!later.prefix.startsWith(prefix) || !Objects.equals(later.port, port)) {
                return false;
            }
            if (!method.equals(later.method) && !method.startsWith(later.method)) {
                return false;
            }
            if (!authority.equals(later.authority) && !authority.startsWith(later.authority)) {
                return false;
            }
            return mapCovers(headers, later.headers) && mapCovers(queryParams, later.queryParams)
                    && mapCovers(withoutHeaders, later.withoutHeaders);
        }

        private static boolean mapCovers(Map<String, String> a, Map<String, String> b) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Map.Entry<String, String> e : a.entrySet()) {
                String other = b.get(e.getKey());
                if (other == null || !e.getValue().equals(other) && !e.getValue().startsWith(other)) {
                    return false;
                }
            }
            return true;
        }

        private static Map<String, String> conditions(Map<String, StringMatch> matches) {
            Map<String, String> out = new HashMap<>();
            matches.forEach((k, v) -> out.put(k, exactOrPrefix(v)));
            return out;
        }

        private static String exactOrPrefix(StringMatch m) {
            if (m == null) {
                return "";
            }
            if (m.exact() != null && !m.exact().isEmpty()) {
                return "exact:" + m.exact();
            }
            if (m.prefix() != null && !m.prefix().isEmpty()) {
                return "prefix:" + m.prefix();
            }
            return "";
        }
    }

    /** The block as it matches: its name is only a label, so blocks differing in name alone are duplicates. */
    private static HTTPMatchRequest withoutName(HTTPMatchRequest m) {
        return new HTTPMatchRequest(null, m.uri(), m.scheme(), m.method(), m.authority(), m.headers(), m.port(),
                m.sourceLabels(), m.gateways(), m.queryParams(), m.ignoreUriCase(), m.withoutHeaders(),
                m.sourceNamespace(), m.statPrefix());
    }

    private static String routeName(HTTPRoute route, int index) {
        return route.name() != null && !route.name().isEmpty() ? Analyzers.quote(route.name()) : "#" + index;
    }

    private static String matchName(HTTPMatchRequest match, int index) {
        return match.name() != null && !match.name().isEmpty() ? Analyzers.quote(match.name()) : "#" + index;
    }

    // ---------------------------------------------------------------- tcp and tls (unnamed routes and matches)

    private static void layer4(Resource<VirtualService> r, String kind, List<List<?>> routes, List<Problem> out) {
        Map<Object, Integer> seen = new HashMap<>();
        int noMatchRoute = -1;
        for (int i = 0; i < routes.size(); i++) {
            List<?> matches = routes.get(i);
            String at = kind + "[" + i + "]";
            String rule = "#" + i;
            if (matches.isEmpty()) {
                if (noMatchRoute >= 0) {
                    unreachable(r, at, rule, "only the last rule can have no matches", out);
                }
                noMatchRoute = i;
                continue;
            }
            int duplicates = 0;
            for (int j = 0; j < matches.size(); j++) {
                if (noMatchRoute >= 0) {
                    unreachable(r, at, rule, "route without matches defined before", out);
                    continue;
                }
                Integer first = seen.putIfAbsent(matches.get(j), i);
                if (first != null) {
                    ineffective(r, at + ".match[" + j + "]", rule, "#" + j, "#" + first, out);
                    duplicates++;
                }
            }
            if (duplicates == matches.size()) {
                unreachable(r, at, rule, "all matches used by prior rules", out);
            }
        }
    }
}
