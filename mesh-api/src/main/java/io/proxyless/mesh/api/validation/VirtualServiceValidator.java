package io.proxyless.mesh.api.validation;

import io.proxyless.mesh.api.CorsPolicy;
import io.proxyless.mesh.api.Delegate;
import io.proxyless.mesh.api.Destination;
import io.proxyless.mesh.api.HTTPBody;
import io.proxyless.mesh.api.HTTPDirectResponse;
import io.proxyless.mesh.api.HTTPFaultInjection;
import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HTTPMirrorPolicy;
import io.proxyless.mesh.api.HTTPRedirect;
import io.proxyless.mesh.api.HTTPRetry;
import io.proxyless.mesh.api.HTTPRewrite;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.HTTPRouteDestination;
import io.proxyless.mesh.api.Headers;
import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.L4MatchAttributes;
import io.proxyless.mesh.api.Percent;
import io.proxyless.mesh.api.RegexRewrite;
import io.proxyless.mesh.api.RouteDestination;
import io.proxyless.mesh.api.StringMatch;
import io.proxyless.mesh.api.TCPRoute;
import io.proxyless.mesh.api.TLSMatchAttributes;
import io.proxyless.mesh.api.TLSRoute;
import io.proxyless.mesh.api.VirtualService;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Istio's VirtualService validation ({@code ValidateVirtualService} and the {@code validateHTTPRoute} family in
 * istio/istio {@code pkg/config/validation}), reported field by field.
 *
 * <p>Where our model tells "unset" from "zero" and Istio's proto3 model cannot, we follow what Istio does with
 * the zero value (an unset {@code retries.attempts} disables retries, so a retry policy without it is rejected
 * exactly as {@code attempts: 0} is) and report a field that must be given as {@code required} at its own path.
 *
 * <p>Deliberate differences from Istio, each because the sidecar would otherwise fail later or silently:
 * <ul>
 *   <li>{@code uri}, {@code scheme}, {@code method} and {@code authority} matches must set one of
 *       exact/prefix/regex; Istio accepts {@code {}} there. {@code {}} stays legal (meaning "present") for
 *       {@code headers}, {@code queryParams} and {@code withoutHeaders}.</li>
 *   <li>Abort and direct-response statuses must be 200..599 (Envoy's range); Istio lets 600 through.</li>
 *   <li>Redirect codes must be one Envoy can send (301, 302, 303, 307, 308); Istio accepts any 3xx and then
 *       drops the route for the others.</li>
 *   <li>A fault {@code delay} needs {@code fixedDelay}; a route {@code delegate} needs a {@code name}.</li>
 *   <li>A root route (one that delegates) may not have a {@code directResponse} either.</li>
 *   <li>Oneofs that YAML lets authors write twice ({@code redirect.port}/{@code derivePort}, abort kinds,
 *       {@code body.string}/{@code bytes}) are rejected when both are set.</li>
 * </ul>
 * The "rule not used" analysis that Istio attaches to this validation is in
 * {@link io.proxyless.mesh.api.analysis.Analyzers} (IST0130, IST0131).
 */
final class VirtualServiceValidator {
    /** The gateway name that stands for "every sidecar", and so for this client. */
    static final String MESH_GATEWAY = "mesh";

    private static final Set<String> RETRY_ON_POLICIES = Set.of(
            // Envoy's x-envoy-retry-on conditions
            "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "envoy-ratelimited",
            "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers",
            "http3-post-connect-failure",
            // Envoy's x-envoy-retry-grpc-on conditions
            "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable");

    // The status codes Go's net/http has a text for: Istio accepts exactly these as retryOn tokens.
    private static final Set<Integer> KNOWN_HTTP_STATUSES = Set.of(
            100, 101, 102, 103,
            200, 201, 202, 203, 204, 205, 206, 207, 208, 226,
            300, 301, 302, 303, 304, 305, 307, 308,
            400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418,
            421, 422, 423, 424, 425, 426, 428, 429, 431, 451,
            500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511);

    private static final Set<String> GRPC_STATUS_NAMES = Set.of(
            "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
            "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
            "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED");

    // Envoy's RedirectAction response codes; Istio maps these and drops the route for any other 3xx.
    private static final Set<Integer> REDIRECT_CODES = Set.of(301, 302, 303, 307, 308);

    private static final Set<String> CORS_METHODS = Set.of(
            "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "*");

    private static final String OUTBOUND_SNI_PREFIX = "outbound_";

    private static final int KB = 1024;
    private static final int MB = 1024 * KB;

    private VirtualServiceValidator() {
    }

    /** Reports every problem of {@code spec} to {@code ctx}. */
    static void validate(VirtualService spec, ValidationContext ctx) {
        // Without hosts a VirtualService can only be reached by delegation from another one.
        boolean isDelegate = spec.hosts().isEmpty();
        if (isDelegate) {
            if (!spec.gateways().isEmpty()) {
                ctx.error("spec.gateways", "delegate virtual service must have no gateways specified");
            }
            if (!spec.tls().isEmpty()) {
                ctx.error("spec.tls", "delegate virtual service must have no tls route specified");
            }
            if (!spec.tcp().isEmpty()) {
                ctx.error("spec.tcp", "delegate virtual service must have no tcp route specified");
            }
        }

        boolean appliesToGateway = !spec.gateways().isEmpty() && !spec.gateways().contains(MESH_GATEWAY);
        boolean appliesToMesh = !appliesToGateway;
        gatewayNames(spec.gateways(), "spec.gateways", ctx);
        if (!appliesToGateway) {
            jwtClaimRoutes(spec, ctx);
        }

        hosts(spec, appliesToGateway, appliesToMesh, ctx);

        if (spec.http().isEmpty() && spec.tcp().isEmpty() && spec.tls().isEmpty()) {
            ctx.error("spec.http", "http, tcp or tls must be provided in virtual service");
        }
        for (int i = 0; i < spec.http().size(); i++) {
            httpRoute(spec.http().get(i), "spec.http[" + i + "]", isDelegate, ctx);
        }
        for (int i = 0; i < spec.tls().size(); i++) {
            tlsRoute(spec.tls().get(i), "spec.tls[" + i + "]", spec, ctx);
        }
        for (int i = 0; i < spec.tcp().size(); i++) {
            tcpRoute(spec.tcp().get(i), "spec.tcp[" + i + "]", ctx);
        }
        CommonRules.exportTo(spec.exportTo(), "spec.exportTo", ctx, false);
        routesAfterMatchAll(spec.http(), ctx);
    }

    /**
     * Routes after one with a match block that every request satisfies ({@code uri.prefix: /}, an empty prefix,
     * or {@code uri.regex: .*}, nothing else) never match. Istio's own analysis (IST0130) only counts a route
     * without {@code match} as taking everything; this warning covers the blocks that match everything too.
     */
    private static void routesAfterMatchAll(List<HTTPRoute> routes, ValidationContext ctx) {
        for (int i = 0; i < routes.size(); i++) {
            HTTPRoute route = routes.get(i);
            if (route == null || route.match().isEmpty()) {
                return; // Istio's analysis reports everything after a route without matches
            }
            if (route.match().stream().anyMatch(VirtualServiceValidator::matchesEverything)) {
                for (int k = i + 1; k < routes.size(); k++) {
                    ctx.warning("spec.http[" + k + "]", "virtualService rule " + routeName(routes.get(k), k)
                            + " not used (rule " + routeName(route, i) + " before it matches every request)");
                }
                return;
            }
        }
    }

    private static boolean matchesEverything(HTTPMatchRequest m) {
        if (m == null) {
            return false;
        }
        StringMatch uri = m.uri();
        boolean everyPath = uri == null || (uri.exact() == null && (uri.prefix() != null
                ? uri.prefix().equals("/") || uri.prefix().isEmpty() : ".*".equals(uri.regex())));
        return everyPath && m.scheme() == null && m.method() == null && m.authority() == null
                && m.headers().isEmpty() && (m.port() == null || m.port() == 0) && m.sourceLabels().isEmpty()
                && m.gateways().isEmpty() && m.queryParams().isEmpty() && m.withoutHeaders().isEmpty()
                && (m.sourceNamespace() == null || m.sourceNamespace().isEmpty());
    }

    private static String routeName(HTTPRoute route, int index) {
        return route != null && route.name() != null && !route.name().isEmpty()
                ? CommonRules.quote(route.name()) : "#" + index;
    }

    // ---------------------------------------------------------------- hosts and gateways

    private static void hosts(VirtualService spec, boolean appliesToGateway, boolean appliesToMesh,
                              ValidationContext ctx) {
        boolean allValid = true;
        boolean sni = hasSniHosts(spec);
        List<String> hosts = spec.hosts();
        for (int i = 0; i < hosts.size(); i++) {
            String host = nullToEmpty(hosts.get(i));
            String at = "spec.hosts[" + i + "]";
            String problem = appliesToGateway ? gatewayBoundHostProblem(sni, host)
                    : CommonRules.wildcardDomainProblem(host);
            if (problem != null) {
                // An IP address is a legal VirtualService host even though it is not a domain name.
                if (!CommonRules.isIpAddress(host)) {
                    ctx.error(at, problem);
                    allValid = false;
                }
            } else if (appliesToMesh && host.equals("*")) {
                ctx.error(at, "wildcard host * is not allowed for virtual services bound to the mesh gateway");
                allValid = false;
            }
        }
        // Overlap is only meaningful between well-formed names; bad ones are already reported.
        if (allValid) {
            for (int i = 0; i < hosts.size(); i++) {
                for (int j = i + 1; j < hosts.size(); j++) {
                    HostName a = CommonRules.hostName(hosts.get(i));
                    HostName b = CommonRules.hostName(hosts.get(j));
                    if (a != null && b != null && a.matches(b)) {
                        ctx.error("spec.hosts[" + j + "]", "duplicate hosts in virtual service: " + hosts.get(i)
                                + " & " + hosts.get(j));
                    }
                }
            }
        }
    }

    private static boolean hasSniHosts(VirtualService spec) {
        return spec.tls().stream().flatMap(t -> t.match().stream()).anyMatch(m -> !m.sniHosts().isEmpty());
    }

    /**
     * A host of a VirtualService bound to gateways: a wildcard domain, or (for TLS routes) the SNI name Istio
     * generates for AUTO_PASSTHROUGH gateways, {@code outbound_.<PORT>_._.<HOSTNAME>}.
     */
    private static String gatewayBoundHostProblem(boolean sni, String domain) {
        if (!sni || !domain.startsWith(OUTBOUND_SNI_PREFIX)) {
            return CommonRules.wildcardDomainProblem(domain);
        }
        if (domain.length() > 255) {
            return CommonRules.wildcardDomainProblem(domain);
        }
        String[] parts = domain.split("_", -1);
        if (parts.length < 4) {
            return "domain name " + domain + " invalid, should follow 'outbound_.<PORT>_._.<HOSTNAME>' format";
        }
        String port = trimDots(parts[1]);
        String hostname = trimDots(parts[3]);
        if (!port.matches(".*[0-9].*")) {
            return "domain name " + CommonRules.quote(domain) + " invalid (label " + CommonRules.quote(port)
                    + " invalid). should follow outbound_.<PORT>_._.<HOSTNAME> format";
        }
        if (!hostname.matches(".*[a-zA-Z].*")) {
            return "domain name " + CommonRules.quote(domain) + " invalid (label " + CommonRules.quote(hostname)
                    + " invalid). should follow outbound_.<PORT>_._.<HOSTNAME> format";
        }
        return null;
    }

    private static String trimDots(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == '.') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == '.') {
            to--;
        }
        return s.substring(from, to);
    }

    /**
     * Gateway references: {@code mesh}, {@code namespace/name}, or a bare name in the VirtualService's namespace
     * (the legacy {@code name.namespace} form is accepted with a warning). Unlike Istio, which stops at the
     * first name without a slash, every entry is checked.
     */
    static void gatewayNames(List<String> names, String path, ValidationContext ctx) {
        for (int i = 0; i < names.size(); i++) {
            String name = nullToEmpty(names.get(i));
            String at = path + "[" + i + "]";
            int slash = name.indexOf('/');
            if (slash < 0) {
                if (name.contains(".")) {
                    String[] parts = name.split("\\.", -1);
                    ctx.warning(at, "using legacy gatewayName format " + CommonRules.quote(name)
                            + "; prefer the <namespace>/<name> format: "
                            + CommonRules.quote(parts[1] + "/" + parts[0]));
                }
                CommonRules.fqdn(name, at, ctx);
                continue;
            }
            String namespace = name.substring(0, slash);
            String gateway = name.substring(slash + 1);
            if (namespace.isEmpty() || gateway.isEmpty()) {
                ctx.error(at, "config namespace and gateway name cannot be empty");
            }
            if (!namespace.isEmpty() && !CommonRules.isDns1123Label(namespace)) {
                ctx.error(at, "invalid value for namespace: " + CommonRules.quote(namespace));
            }
            if (!gateway.isEmpty() && !CommonRules.isDns1123Label(gateway)) {
                ctx.error(at, "invalid value for gateway name: " + CommonRules.quote(gateway));
            }
        }
    }

    /** JWT claims are only known to a gateway that authenticated the request; a sidecar never has them. */
    private static void jwtClaimRoutes(VirtualService spec, ValidationContext ctx) {
        String gateways = "[" + String.join(" ", spec.gateways()) + "]";
        for (int i = 0; i < spec.http().size(); i++) {
            List<HTTPMatchRequest> matches = spec.http().get(i).match();
            for (int j = 0; j < matches.size(); j++) {
                String at = "spec.http[" + i + "].match[" + j + "]";
                jwtClaimKeys(matches.get(j).headers(), at + ".headers", gateways, ctx);
                jwtClaimKeys(matches.get(j).withoutHeaders(), at + ".withoutHeaders", gateways, ctx);
            }
        }
    }

    private static void jwtClaimKeys(Map<String, StringMatch> headers, String path, String gateways,
                                     ValidationContext ctx) {
        for (String key : headers.keySet()) {
            if (CommonRules.isJwtClaimHeader(key)) {
                ctx.error(path + "." + key, "JWT claim based routing (key: " + key
                        + ") is only supported for gateway, found no gateways: " + gateways);
            }
        }
    }

    // ---------------------------------------------------------------- HTTP routes

    private static void httpRoute(HTTPRoute route, String at, boolean inDelegate, ValidationContext ctx) {
        conflicts(route, at, inDelegate, ctx);
        for (int j = 0; j < route.match().size(); j++) {
            matchRequest(route.match().get(j), at + ".match[" + j + "]", ctx);
        }
        headerOperations(route.headers(), at + ".headers", ctx);
        corsPolicy(route.corsPolicy(), at + ".corsPolicy", ctx);
        fault(route.fault(), at + ".fault", ctx);

        if (route.mirrorPercent() != null && (route.mirrorPercent() > 100 || route.mirrorPercent() < 0)) {
            // The proto field is unsigned, so Istio only has the upper bound's message; a negative is as wrong.
            ctx.error(at + ".mirrorPercent", "mirror_percent must have a max value of 100 (it has "
                    + route.mirrorPercent() + ")");
        }
        mirrorPercentage(route.mirrorPercentage(), at + ".mirrorPercentage.value", "mirror_percentage", ctx);
        if (route.mirror() != null) {
            destination(route.mirror(), at + ".mirror", ctx);
        }
        mirrors(route.mirrors(), at + ".mirrors", ctx);
        redirect(route.redirect(), route.match(), at + ".redirect", ctx);
        directResponse(route.directResponse(), at + ".directResponse", ctx);
        retries(route.retries(), at + ".retries", ctx);
        rewrite(route.rewrite(), at + ".rewrite", ctx);
        authorityRewrite(route.rewrite(), route.headers(), at, ctx);
        httpDestinations(route.route(), at + ".route", ctx);
        CommonRules.duration(route.timeout(), at + ".timeout", ctx);
        delegate(route.delegate(), at + ".delegate", ctx);
    }

    /** What a route does with a request: exactly one of forward, redirect, answer directly, or delegate. */
    private static void conflicts(HTTPRoute route, String at, boolean inDelegate, ValidationContext ctx) {
        boolean hasRoute = !route.route().isEmpty();
        if (!inDelegate && route.delegate() != null) {
            // A root route only names the delegate; what happens to the request is decided there.
            String name = route.name() == null || route.name().isEmpty() ? "" : route.name() + " ";
            if (route.redirect() != null) {
                ctx.error(at + ".redirect", "root HTTP route " + name + "must not specify redirect");
            }
            if (hasRoute) {
                ctx.error(at + ".route", "root HTTP route " + name + "must not specify route");
            }
            if (route.directResponse() != null) {
                ctx.error(at + ".directResponse", "root HTTP route " + name + "must not specify direct_response");
            }
            return;
        }
        if (inDelegate && route.delegate() != null) {
            ctx.error(at + ".delegate", "delegate HTTP route cannot contain delegate");
        }
        if (route.redirect() != null) {
            if (hasRoute) {
                ctx.error(at + ".route", "HTTP route cannot contain both route and redirect");
            }
            if (route.fault() != null) {
                ctx.error(at + ".fault", "HTTP route cannot contain both fault and redirect");
            }
            if (route.rewrite() != null) {
                ctx.error(at + ".rewrite", "HTTP route rule cannot contain both rewrite and redirect");
            }
            if (route.directResponse() != null) {
                ctx.error(at + ".directResponse", "HTTP route rule cannot contain both direct_response and redirect");
            }
        } else if (route.directResponse() != null) {
            if (hasRoute) {
                ctx.error(at + ".route", "HTTP route cannot contain both route and direct_response");
            }
            if (route.fault() != null) {
                ctx.error(at + ".fault", "HTTP route cannot contain both fault and direct_response");
            }
            if (route.rewrite() != null) {
                ctx.error(at + ".rewrite", "HTTP route rule cannot contain both rewrite and direct_response");
            }
        } else if (!hasRoute) {
            ctx.error(at + ".route", "HTTP route, redirect or direct_response is required");
        }
        if (route.mirror() != null && !route.mirrors().isEmpty()) {
            ctx.error(at + ".mirrors", "HTTP route cannot contain both mirror and mirrors");
        }
    }

    private static void delegate(Delegate delegate, String at, ValidationContext ctx) {
        if (delegate != null && (delegate.name() == null || delegate.name().isEmpty())) {
            ctx.error(at + ".name", "required");
        }
    }

    // ---------------------------------------------------------------- matches

    private static void matchRequest(HTTPMatchRequest match, String at, ValidationContext ctx) {
        for (Map.Entry<String, StringMatch> e : match.headers().entrySet()) {
            String key = at + ".headers." + e.getKey();
            CommonRules.matchHeaderName(e.getKey(), key, ctx);
            CommonRules.stringMatch(e.getValue(), key, ctx, true);
        }
        for (Map.Entry<String, StringMatch> e : match.withoutHeaders().entrySet()) {
            String key = at + ".withoutHeaders." + e.getKey();
            CommonRules.matchHeaderName(e.getKey(), key, ctx);
            CommonRules.withoutHeaderMatch(e.getValue(), key, ctx);
        }
        if (match.uri() != null && match.uri().isEmpty()) {
            // Istio reads "uri: {}" as "any path"; it is far more likely a forgotten value.
            ctx.error(at + ".uri", "one of exact, prefix or regex is required");
        } else {
            CommonRules.uriMatch(match.uri(), at + ".uri", ctx);
        }
        CommonRules.stringMatch(match.scheme(), at + ".scheme", ctx, false);
        CommonRules.stringMatch(match.method(), at + ".method", ctx, false);
        CommonRules.stringMatch(match.authority(), at + ".authority", ctx, false);
        for (Map.Entry<String, StringMatch> e : match.queryParams().entrySet()) {
            CommonRules.stringMatch(e.getValue(), at + ".queryParams." + e.getKey(), ctx, true);
        }
        // Port 0 is proto3's "unset", which is what Istio sees for it.
        if (match.port() != null && match.port() != 0) {
            CommonRules.portNumber(match.port(), at + ".port", ctx);
        }
        CommonRules.labels(match.sourceLabels(), at + ".sourceLabels", ctx);
        gatewayNames(match.gateways(), at + ".gateways", ctx);
        String sourceNamespace = match.sourceNamespace();
        if (sourceNamespace != null && !sourceNamespace.isEmpty() && !CommonRules.isDns1123Label(sourceNamespace)) {
            ctx.error(at + ".sourceNamespace", "sourceNamespace match " + sourceNamespace + " is invalid");
        }
    }

    // ---------------------------------------------------------------- destinations

    private static void httpDestinations(List<HTTPRouteDestination> route, String at, ValidationContext ctx) {
        long total = 0;
        for (int k = 0; k < route.size(); k++) {
            HTTPRouteDestination d = route.get(k);
            String dAt = at + "[" + k + "]";
            if (d.destination() == null) {
                ctx.error(dAt + ".destination", "required");
            } else {
                destination(d.destination(), dAt + ".destination", ctx);
            }
            headerOperations(d.headers(), dAt + ".headers", ctx);
            total += weight(d.weight(), dAt + ".weight", ctx);
        }
        totalWeight(route.size(), total, at, ctx);
    }

    private static void routeDestinations(List<RouteDestination> route, String at, ValidationContext ctx) {
        long total = 0;
        for (int k = 0; k < route.size(); k++) {
            RouteDestination d = route.get(k);
            String dAt = at + "[" + k + "]";
            if (d.destination() == null) {
                ctx.error(dAt + ".destination", "required");
            } else {
                destination(d.destination(), dAt + ".destination", ctx);
            }
            total += weight(d.weight(), dAt + ".weight", ctx);
        }
        totalWeight(route.size(), total, at, ctx);
    }

    private static int weight(Integer weight, String at, ValidationContext ctx) {
        if (weight == null) {
            return 0;
        }
        if (weight < 0) {
            ctx.error(at, "weight " + weight + " < 0");
        }
        return weight;
    }

    private static void totalWeight(int destinations, long total, String at, ValidationContext ctx) {
        // One destination takes everything whatever its weight; among several, all-zero sends nowhere.
        if (destinations > 1 && total == 0) {
            ctx.error(at, "total destination weight = 0");
        }
    }

    /** A route or mirror destination; a missing host is reported as {@code required} at its own path. */
    private static void destination(Destination d, String at, ValidationContext ctx) {
        if (d.host() != null) {
            CommonRules.destination(d, at, ctx);
            return;
        }
        ctx.error(at + ".host", "required");
        if (d.subset() != null && !d.subset().isEmpty()) {
            CommonRules.subsetName(d.subset(), at + ".subset", ctx);
        }
        if (d.port() != null) {
            CommonRules.portNumber(d.port().number(), at + ".port.number", ctx);
        }
    }

    // ---------------------------------------------------------------- mirrors

    private static void mirrors(List<HTTPMirrorPolicy> mirrors, String at, ValidationContext ctx) {
        for (int k = 0; k < mirrors.size(); k++) {
            HTTPMirrorPolicy m = mirrors.get(k);
            String mAt = at + "[" + k + "]";
            if (m.destination() == null) {
                ctx.error(mAt + ".destination", "required");
            } else {
                destination(m.destination(), mAt + ".destination", ctx);
            }
            mirrorPercentage(m.percentage(), mAt + ".percentage.value", "mirror percentage", ctx);
        }
    }

    /**
     * Mirror shares are checked against 0..100 only, unlike fault percentages: a share below Envoy's finest
     * fraction mirrors nothing, which Istio accepts.
     */
    private static void mirrorPercentage(Percent p, String at, String what, ValidationContext ctx) {
        if (p == null || p.value() == null) {
            return;
        }
        double v = p.value();
        if (v > 100 || Double.isNaN(v)) {
            ctx.error(at, what + " must have a max value of 100 (it has " + goFixed(v) + ")");
        } else if (v < 0) {
            ctx.error(at, what + " must have a min value of 0 (it has " + goFixed(v) + ")");
        }
    }

    /** A double as Go's {@code %f} prints it ({@code 150.000000}), as Istio's mirror messages show it. */
    private static String goFixed(double v) {
        return Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%f", v);
    }

    // ---------------------------------------------------------------- retries

    private static void retries(HTTPRetry retries, String at, ValidationContext ctx) {
        if (retries == null) {
            return;
        }
        Integer attempts = retries.attempts();
        if (attempts != null && attempts < 0) {
            ctx.error(at + ".attempts", "attempts cannot be negative");
        }
        boolean configured = retries.perTryTimeout() != null
                || (retries.retryOn() != null && !retries.retryOn().isEmpty())
                || retries.retryRemoteLocalities() != null;
        if ((attempts == null || attempts == 0) && configured) {
            // Istio cannot tell unset from 0: either way retries are off, and the rest would be ignored.
            ctx.error(at + ".attempts", "http retry policy configured when attempts are set to 0 (disabled)"
                    + (attempts == null ? "; attempts is unset, which means 0" : ""));
        }
        CommonRules.duration(retries.perTryTimeout(), at + ".perTryTimeout", ctx);
        if (retries.retryOn() != null && !retries.retryOn().isEmpty()) {
            // Envoy reads the list as is: " 5xx" (with the space) is not a policy, so tokens are not trimmed.
            for (String policy : retries.retryOn().split(",", -1)) {
                if (!isKnownHttpStatus(policy) && !RETRY_ON_POLICIES.contains(policy)) {
                    ctx.error(at + ".retryOn", CommonRules.quote(policy) + " is not a valid retryOn policy");
                }
            }
        }
        CommonRules.duration(retries.backoff(), at + ".backoff", ctx);
    }

    /** A retryOn token that is an HTTP status code, read as Go's strconv.Atoi reads it. */
    private static boolean isKnownHttpStatus(String token) {
        if (!CommonRules.isSignedDecimal(token)) {
            return false;
        }
        try {
            long code = Long.parseLong(token.startsWith("+") ? token.substring(1) : token);
            return code >= 100 && code <= 599 && KNOWN_HTTP_STATUSES.contains((int) code);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- fault injection

    private static void fault(HTTPFaultInjection fault, String at, ValidationContext ctx) {
        if (fault == null) {
            return;
        }
        if (fault.abort() == null && fault.delay() == null) {
            ctx.error(at, "HTTP fault injection must have an abort and/or a delay");
        }
        abort(fault.abort(), at + ".abort", ctx);
        delay(fault.delay(), at + ".delay", ctx);
    }

    private static void abort(HTTPFaultInjection.Abort abort, String at, ValidationContext ctx) {
        if (abort == null) {
            return;
        }
        if (abort.percentage() != null) {
            CommonRules.percentage(abort.percentage().value(), at + ".percentage.value", ctx);
        }
        int kinds = (abort.httpStatus() != null ? 1 : 0) + (abort.grpcStatus() != null ? 1 : 0)
                + (abort.http2Error() != null ? 1 : 0);
        if (kinds > 1) {
            ctx.error(at, "only one of httpStatus, grpcStatus or http2Error may be set");
        }
        if (abort.grpcStatus() != null && !GRPC_STATUS_NAMES.contains(abort.grpcStatus())) {
            ctx.error(at + ".grpcStatus", "gRPC status " + CommonRules.quote(abort.grpcStatus())
                    + " is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a"
                    + " list of supported codes, for example 'NOT_FOUND'");
        }
        if (abort.http2Error() != null) {
            ctx.error(at + ".http2Error", "HTTP/2 abort fault injection not supported yet");
        }
        if (abort.httpStatus() != null) {
            httpStatus(abort.httpStatus(), at + ".httpStatus", ctx);
        }
        if (kinds == 0) {
            ctx.warning(at, "abort configured, but error type not set");
        }
    }

    private static void httpStatus(int status, String at, ValidationContext ctx) {
        if (status < 200 || status > 599) {
            ctx.error(at, "HTTP status " + status + " is not in range 200-599");
        }
    }

    private static void delay(HTTPFaultInjection.Delay delay, String at, ValidationContext ctx) {
        if (delay == null) {
            return;
        }
        if (delay.percentage() != null) {
            CommonRules.percentage(delay.percentage().value(), at + ".percentage.value", ctx);
        }
        CommonRules.intPercent(delay.percent(), at + ".percent", ctx);
        if (delay.exponentialDelay() != null) {
            CommonRules.duration(delay.exponentialDelay(), at + ".exponentialDelay", ctx);
            ctx.error(at + ".exponentialDelay", "exponentialDelay not supported yet");
        } else if (delay.fixedDelay() == null) {
            // Envoy rejects a delay without a duration, which would take the whole route table down.
            ctx.error(at + ".fixedDelay", "required");
        }
        CommonRules.duration(delay.fixedDelay(), at + ".fixedDelay", ctx);
    }

    // ---------------------------------------------------------------- redirect, direct response, rewrite

    private static void redirect(HTTPRedirect redirect, List<HTTPMatchRequest> matches, String at,
                                 ValidationContext ctx) {
        if (redirect == null) {
            return;
        }
        boolean hasUri = !isEmpty(redirect.uri());
        boolean hasPrefixRewrite = !isEmpty(redirect.prefixRewrite());
        if (hasUri && hasPrefixRewrite) {
            ctx.error(at + ".prefixRewrite", "redirect may only specify one of uri or prefix_rewrite");
        }
        if (hasPrefixRewrite) {
            // The prefix to replace is the one a prefix match matched; other match kinds have none.
            boolean allPrefix = matches.stream().allMatch(m -> m.uri() == null || m.uri().prefix() != null);
            if (!allPrefix) {
                ctx.error(at + ".prefixRewrite",
                        "redirect prefix_rewrite requires all URI matches to use prefix match type");
            }
        }
        boolean hasPort = redirect.port() != null || redirect.derivePort() != null;
        if (!hasUri && !hasPrefixRewrite && isEmpty(redirect.authority()) && !hasPort && isEmpty(redirect.scheme())) {
            ctx.error(at, "redirect must specify URI, authority, scheme, or port");
        }
        Integer code = redirect.redirectCode();
        if (code != null && code != 0) {
            if (code < 300 || code > 399) {
                ctx.error(at + ".redirectCode", code + " is not a valid redirect code, must be 3xx");
            } else if (!REDIRECT_CODES.contains(code)) {
                ctx.error(at + ".redirectCode", "redirect code " + code
                        + " is not supported; use 301, 302, 303, 307 or 308");
            }
        }
        if (!isEmpty(redirect.scheme()) && !redirect.scheme().equals("http") && !redirect.scheme().equals("https")) {
            ctx.error(at + ".scheme", "invalid redirect scheme, must be \"http\" or \"https\"");
        }
        if (redirect.port() != null && redirect.derivePort() != null) {
            ctx.error(at + ".derivePort", "only one of port or derivePort may be set");
        }
        if (redirect.port() != null && redirect.port() != 0) {
            CommonRules.portNumber(redirect.port(), at + ".port", ctx);
        }
    }

    private static void directResponse(HTTPDirectResponse response, String at, ValidationContext ctx) {
        if (response == null) {
            return;
        }
        HTTPBody body = response.body();
        if (body != null) {
            if (body.string() != null && body.bytes() != null) {
                ctx.error(at + ".body", "only one of string or bytes may be set");
            }
            long size = 0;
            if (body.string() != null) {
                size = body.string().getBytes(StandardCharsets.UTF_8).length;
            } else if (body.bytes() != null) {
                byte[] decoded = decodeBase64(body.bytes());
                if (decoded == null) {
                    ctx.error(at + ".body.bytes", "bytes must be base64-encoded");
                } else {
                    size = decoded.length;
                }
            }
            if (size > MB) {
                ctx.error(at + ".body", "large direct_responses may impact control plane performance, must be less"
                        + " than 1MB");
            } else if (size > 100 * KB) {
                ctx.warning(at + ".body", "large direct_responses may impact control plane performance");
            }
        }
        if (response.status() == null) {
            ctx.error(at + ".status", "required");
        } else {
            httpStatus(response.status(), at + ".status", ctx);
        }
    }

    /** Protobuf JSON accepts standard and URL-safe base64, padded or not. */
    private static byte[] decodeBase64(String text) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            try {
                return Base64.getUrlDecoder().decode(text);
            } catch (IllegalArgumentException e2) {
                return null;
            }
        }
    }

    private static void rewrite(HTTPRewrite rewrite, String at, ValidationContext ctx) {
        if (rewrite == null) {
            return;
        }
        RegexRewrite regex = rewrite.uriRegexRewrite();
        if (!isEmpty(rewrite.uri()) && regex != null) {
            ctx.error(at + ".uriRegexRewrite", "rewrite may only contain one of URI or UriRegexRewrite");
        }
        if (isEmpty(rewrite.uri()) && regex == null && isEmpty(rewrite.authority())) {
            ctx.error(at, "rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI"
                    + " or UriRegexRewrite may be specified");
        }
        if (regex != null) {
            // As in Istio, an empty replacement counts as missing (proto3 cannot tell the two apart).
            if (isEmpty(regex.match()) || isEmpty(regex.rewrite())) {
                ctx.error(at + ".uriRegexRewrite", "UriRegexRewrite requires both Rewrite and Match fields to be"
                        + " specified");
            } else {
                CommonRules.regex(regex.match(), at + ".uriRegexRewrite.match", ctx);
            }
        }
    }

    /** The authority may be rewritten in one place only: {@code rewrite.authority} or one header operation. */
    private static void authorityRewrite(HTTPRewrite rewrite, Headers headers, String at, ValidationContext ctx) {
        String current = rewrite == null ? "" : nullToEmpty(rewrite.authority());
        if (headers == null || headers.request() == null) {
            return;
        }
        Headers.HeaderOperations request = headers.request();
        String[] kinds = {"set", "add"};
        List<Map<String, String>> maps = List.of(request.set(), request.add());
        for (int m = 0; m < maps.size(); m++) {
            for (Map.Entry<String, String> e : maps.get(m).entrySet()) {
                if (!CommonRules.isAuthorityHeader(e.getKey())) {
                    continue;
                }
                String value = nullToEmpty(e.getValue());
                if (!current.isEmpty()) {
                    ctx.error(at + ".headers.request." + kinds[m] + "." + e.getKey(),
                            "authority header cannot be set multiple times: have " + CommonRules.quote(current)
                                    + ", attempting to set " + CommonRules.quote(value));
                    return;
                }
                current = value;
            }
        }
    }

    // ---------------------------------------------------------------- header operations

    private static void headerOperations(Headers headers, String at, ValidationContext ctx) {
        if (headers == null) {
            return;
        }
        // Requests may have their authority changed (checked above); responses have none.
        headerOperations(headers.request(), at + ".request", true, ctx);
        headerOperations(headers.response(), at + ".response", false, ctx);
    }

    private static void headerOperations(Headers.HeaderOperations ops, String at, boolean request,
                                         ValidationContext ctx) {
        if (ops == null) {
            return;
        }
        for (Map.Entry<String, String> e : ops.set().entrySet()) {
            CommonRules.headerOperationName(e.getKey(), request, at + ".set." + e.getKey(), ctx);
            CommonRules.headerValue(nullToEmpty(e.getValue()), at + ".set." + e.getKey(), ctx);
        }
        for (Map.Entry<String, String> e : ops.add().entrySet()) {
            CommonRules.headerOperationName(e.getKey(), request, at + ".add." + e.getKey(), ctx);
            CommonRules.headerValue(nullToEmpty(e.getValue()), at + ".add." + e.getKey(), ctx);
        }
        for (int k = 0; k < ops.remove().size(); k++) {
            CommonRules.headerOperationName(ops.remove().get(k), false, at + ".remove[" + k + "]", ctx);
        }
    }

    // ---------------------------------------------------------------- CORS

    /** Not acted on by a client (servers enforce CORS), but checked so the file stays valid for Istio. */
    private static void corsPolicy(CorsPolicy cors, String at, ValidationContext ctx) {
        if (cors == null) {
            return;
        }
        for (int k = 0; k < cors.allowOrigins().size(); k++) {
            StringMatch origin = cors.allowOrigins().get(k);
            String oAt = at + ".allowOrigins[" + k + "]";
            String value = origin.exact() != null ? origin.exact()
                    : origin.prefix() != null ? origin.prefix() : origin.regex();
            if (isEmpty(value)) {
                ctx.error(oAt, "'' is not a valid match type for CORS allow origins");
            } else if (origin.regex() != null) {
                CommonRules.regex(origin.regex(), oAt + ".regex", ctx);
            }
        }
        for (int k = 0; k < cors.allowMethods().size(); k++) {
            String method = nullToEmpty(cors.allowMethods().get(k));
            if (!CORS_METHODS.contains(method)) {
                ctx.error(at + ".allowMethods[" + k + "]",
                        CommonRules.quote(method) + " is not a supported HTTP method");
            }
        }
        for (int k = 0; k < cors.allowHeaders().size(); k++) {
            CommonRules.corsHeaderName(cors.allowHeaders().get(k), at + ".allowHeaders[" + k + "]", ctx);
        }
        for (int k = 0; k < cors.exposeHeaders().size(); k++) {
            CommonRules.corsHeaderName(cors.exposeHeaders().get(k), at + ".exposeHeaders[" + k + "]", ctx);
        }
        if (cors.maxAge() != null && CommonRules.duration(cors.maxAge(), at + ".maxAge", ctx)
                && cors.maxAge().getNano() != 0) {
            ctx.error(at + ".maxAge", "max_age duration is accurate only to seconds precision");
        }
    }

    // ---------------------------------------------------------------- TLS and TCP routes

    private static void tlsRoute(TLSRoute tls, String at, VirtualService spec, ValidationContext ctx) {
        if (tls.match().isEmpty()) {
            ctx.error(at + ".match", "TLS route must have at least one match condition");
        }
        for (int j = 0; j < tls.match().size(); j++) {
            tlsMatch(tls.match().get(j), at + ".match[" + j + "]", spec, ctx);
        }
        if (tls.route().isEmpty()) {
            ctx.error(at + ".route", "TLS route is required");
        }
        routeDestinations(tls.route(), at + ".route", ctx);
    }

    private static void tlsMatch(TLSMatchAttributes match, String at, VirtualService spec, ValidationContext ctx) {
        if (match.sniHosts().isEmpty()) {
            ctx.error(at + ".sniHosts", "TLS match must have at least one SNI host");
        }
        for (int k = 0; k < match.sniHosts().size(); k++) {
            sniHost(nullToEmpty(match.sniHosts().get(k)), at + ".sniHosts[" + k + "]", spec, ctx);
        }
        for (int k = 0; k < match.destinationSubnets().size(); k++) {
            CommonRules.ipSubnet(match.destinationSubnets().get(k), at + ".destinationSubnets[" + k + "]", ctx);
        }
        if (match.port() != null && match.port() != 0) {
            CommonRules.portNumber(match.port(), at + ".port", ctx);
        }
        CommonRules.labels(match.sourceLabels(), at + ".sourceLabels", ctx);
        gatewayNames(match.gateways(), at + ".gateways", ctx);
    }

    private static void sniHost(String sni, String at, VirtualService spec, ValidationContext ctx) {
        // Istio decides "bound to a gateway" here by the absence of "mesh" alone, so an empty gateway list
        // counts as a gateway; that only matters for the outbound_ SNI form, which it then accepts.
        boolean gateway = !spec.gateways().contains(MESH_GATEWAY);
        String problem = gateway ? gatewayBoundHostProblem(true, sni) : CommonRules.wildcardDomainProblem(sni);
        if (problem != null) {
            if (CommonRules.isIpAddress(sni)) {
                ctx.warning(at, "using an IP address (" + CommonRules.quote(sni)
                        + ") goes against SNI spec and most clients do not support this");
            } else {
                ctx.error(at, problem);
            }
            return;
        }
        HostName sniName = CommonRules.hostName(sni);
        for (String host : spec.hosts()) {
            HostName hostName = CommonRules.hostName(host);
            if (sniName != null && hostName != null && sniName.subsetOf(hostName)) {
                return;
            }
        }
        ctx.error(at, "SNI host " + CommonRules.quote(sni) + " is not a compatible subset of any of the virtual"
                + " service hosts: [" + String.join(", ", spec.hosts()) + "]");
    }

    private static void tcpRoute(TCPRoute tcp, String at, ValidationContext ctx) {
        for (int j = 0; j < tcp.match().size(); j++) {
            L4MatchAttributes match = tcp.match().get(j);
            String mAt = at + ".match[" + j + "]";
            for (int k = 0; k < match.destinationSubnets().size(); k++) {
                CommonRules.ipSubnet(match.destinationSubnets().get(k), mAt + ".destinationSubnets[" + k + "]", ctx);
            }
            if (match.port() != null && match.port() != 0) {
                CommonRules.portNumber(match.port(), mAt + ".port", ctx);
            }
            CommonRules.labels(match.sourceLabels(), mAt + ".sourceLabels", ctx);
            gatewayNames(match.gateways(), mAt + ".gateways", ctx);
        }
        if (tcp.route().isEmpty()) {
            ctx.error(at + ".route", "TCP route is required");
        }
        routeDestinations(tcp.route(), at + ".route", ctx);
    }

    // ---------------------------------------------------------------- small helpers

    /** Proto3 strings have no "unset": Istio treats "" as absent, and so do we where it decides a rule. */
    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
