package io.proxyless.mesh.api.validation;

import com.google.re2j.Pattern;
import io.proxyless.mesh.api.AuthorizationPolicy;
import io.proxyless.mesh.api.AuthorizationPolicy.Action;
import io.proxyless.mesh.api.Condition;
import io.proxyless.mesh.api.Operation;
import io.proxyless.mesh.api.Rule;
import io.proxyless.mesh.api.Source;
import io.proxyless.mesh.api.loader.Suggestions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Istio's AuthorizationPolicy rules ({@code ValidateAuthorizationPolicy}): the policy's scope; a provider exactly
 * for CUSTOM, which can't match on identities; sources, operations and conditions that are not empty, hold no
 * empty values, and carry IPs, CIDR blocks and ports where those are expected; condition keys Istio knows. Keys
 * and fields that a proxyless server does not evaluate are warned about.
 */
final class AuthorizationPolicyValidator {
    /** The condition keys Istio accepts as they are (the others are {@code prefix[name]} keys). */
    private static final Set<String> KEYS = Set.of("source.ip", "remote.ip", "source.namespace", "source.principal",
            "request.auth.principal", "request.auth.audiences", "request.auth.presenter", "destination.ip",
            "destination.port", "connection.sni");
    /** Keys written {@code prefix[name]}. */
    private static final List<String> MAP_KEYS = List.of("request.headers", "request.auth.claims",
            "experimental.envoy.filters.");
    /** A principal as Istio's SPIFFE identities read without the scheme. */
    private static final Pattern SPIFFE_PATH = Pattern.compile("[^/]+/ns/[^/]+/sa/[^/]+");
    private static final String FAIL_CLOSED = "; a rule that uses it fails closed (an ALLOW rule never matches, a "
            + "DENY rule matches without it)";

    private AuthorizationPolicyValidator() {
    }

    static void validate(AuthorizationPolicy spec, ValidationContext ctx) {
        PolicyScope.validate(spec.selector(), spec.targetRef(), spec.targetRefs(), ctx);
        Action action = spec.actionOrDefault();
        if (action == Action.CUSTOM) {
            custom(spec, ctx);
        } else if (spec.provider() != null) {
            ctx.error("spec.provider", "`provider` must not be with non CUSTOM action, found " + action);
        }
        if (action == Action.DENY && spec.rules().isEmpty()) {
            ctx.warning("spec.action", "DENY action without `rules` is meaningless as it will never be triggered, "
                    + "add an empty rule `{}` if you want it be triggered for every request");
        }
        if (action == Action.AUDIT && spec.rules().isEmpty()) {
            // Istio accepts it silently; it is as meaningless as a DENY without rules.
            ctx.warning("spec.action", "AUDIT action without `rules` never marks a request for audit, add an empty "
                    + "rule `{}` if you want every request audited");
        }
        for (int i = 0; i < spec.rules().size(); i++) {
            Rule rule = spec.rules().get(i);
            String path = "spec.rules[" + i + "]";
            if (rule == null) {
                ctx.error(path, "`rule` must not be nil");
                continue;
            }
            // Istio tells `from: []` (an error) from an absent `from` (any source); so do we, from the source.
            if (rule.from().isEmpty() && ctx.written(path + ".from")) {
                ctx.error(path + ".from", "`from` must not be empty");
            }
            if (rule.to().isEmpty() && ctx.written(path + ".to")) {
                ctx.error(path + ".to", "`to` must not be empty");
            }
            if (rule.when().isEmpty() && ctx.written(path + ".when")) {
                ctx.warning(path + ".when", "`when` is empty: an empty list of conditions is the same as none");
            }
            for (int j = 0; j < rule.from().size(); j++) {
                from(rule.from().get(j), path + ".from[" + j + "]", ctx);
            }
            for (int j = 0; j < rule.to().size(); j++) {
                to(rule.to().get(j), path + ".to[" + j + "]", ctx);
            }
            for (int j = 0; j < rule.when().size(); j++) {
                condition(rule.when().get(j), path + ".when[" + j + "]", ctx);
            }
            if (action == Action.DENY && onlyHttpAttributes(rule)) {
                ctx.warning(path, "configured AuthorizationPolicy will deny all traffic to TCP ports under its "
                        + "scope due to the use of only HTTP attributes in a DENY rule; it is recommended to "
                        + "explicitly specify the port");
            }
        }
    }

    /**
     * Istio's check for a DENY rule whose {@code from} or {@code to} uses HTTP attributes only: on a TCP port such a
     * rule is widened to match every connection, since the HTTP attributes can't be evaluated there.
     */
    private static boolean onlyHttpAttributes(Rule rule) {
        boolean fromExists = false;
        boolean tcpInFrom = false;
        for (Rule.From f : rule.from()) {
            Source s = f == null ? null : f.source();
            if (s != null) {
                fromExists = true;
                tcpInFrom |= Stream.of(s.principals(), s.notPrincipals(), s.ipBlocks(), s.notIpBlocks(),
                        s.namespaces(), s.notNamespaces(), s.remoteIpBlocks(), s.notRemoteIpBlocks())
                        .anyMatch(l -> !l.isEmpty());
            }
        }
        boolean toExists = false;
        boolean tcpInTo = false;
        for (Rule.To t : rule.to()) {
            Operation o = t == null ? null : t.operation();
            if (o != null) {
                toExists = true;
                tcpInTo |= !o.ports().isEmpty() || !o.notPorts().isEmpty();
            }
        }
        return (fromExists && !toExists && !tcpInFrom) || (toExists && !tcpInTo);
    }

    /**
     * Principals are peer identities written without {@code spiffe://} ({@code cluster.local/ns/NS/sa/SA}): a
     * value in another form is valid to Istio but matches no workload identity.
     */
    private static void principals(List<String> values, String path, ValidationContext ctx) {
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            if (v == null || v.isEmpty()) {
                continue;
            }
            if (v.startsWith("spiffe://")) {
                ctx.warning(path + "[" + i + "]", "principal " + CommonRules.quote(v) + " starts with "
                        + "\"spiffe://\": Istio writes principals without it (" + v.substring("spiffe://".length())
                        + "), so this value never matches");
            } else if (!v.contains("*") && !SPIFFE_PATH.matcher(v).matches()) {
                ctx.warning(path + "[" + i + "]", "principal " + CommonRules.quote(v) + " is not of the form "
                        + "<trust domain>/ns/<namespace>/sa/<service account>, so it matches no workload identity");
            }
        }
    }

    private static void paths(List<String> values, String path, ValidationContext ctx) {
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            if (v != null && !v.isEmpty()) {
                String problem = PathTemplates.problem(v);
                if (problem != null) {
                    ctx.error(path + "[" + i + "]", problem);
                }
            }
        }
    }

    /** CUSTOM delegates to an external authorizer, which is given neither peer identities nor JWT claims. */
    private static void custom(AuthorizationPolicy spec, ValidationContext ctx) {
        ctx.warning("spec.action", "CUSTOM action is not supported by the client-side mesh: no external authorizer "
                + "is called, and requests the policy matches are denied, as Envoy does when the authorizer can't "
                + "be reached");
        if (spec.rules().isEmpty()) {
            ctx.error("spec.action", "CUSTOM action without `rules` is meaningless as it will never be triggered, "
                    + "add an empty rule `{}` if you want it be triggered for every request");
        } else if (spec.provider() == null || spec.provider().name() == null || spec.provider().name().isEmpty()) {
            // An absent provider has no line of its own: the action that needs it has.
            ctx.error(spec.provider() == null ? "spec.action" : "spec.provider.name",
                    "`provider.name` must not be empty");
        }
        for (int i = 0; i < spec.rules().size(); i++) {
            Rule rule = spec.rules().get(i);
            if (rule == null) {
                continue;
            }
            String path = "spec.rules[" + i + "]";
            for (int j = 0; j < rule.from().size(); j++) {
                Source src = rule.from().get(j) == null ? null : rule.from().get(j).source();
                if (src == null) {
                    continue;
                }
                String at = path + ".from[" + j + "].source.";
                notWithCustom(!src.namespaces().isEmpty(), at + "namespaces", "From.Namespaces", ctx);
                notWithCustom(!src.notNamespaces().isEmpty(), at + "notNamespaces", "From.NotNamespaces", ctx);
                notWithCustom(!src.principals().isEmpty(), at + "principals", "From.Principals", ctx);
                notWithCustom(!src.notPrincipals().isEmpty(), at + "notPrincipals", "From.NotPrincipals", ctx);
                notWithCustom(!src.requestPrincipals().isEmpty(), at + "requestPrincipals",
                        "From.RequestPrincipals", ctx);
                notWithCustom(!src.notRequestPrincipals().isEmpty(), at + "notRequestPrincipals",
                        "From.NotRequestPrincipals", ctx);
            }
            for (int j = 0; j < rule.when().size(); j++) {
                Condition c = rule.when().get(j);
                if (c != null && c.key() != null) {
                    notWithCustom(c.key().equals("source.namespace") || c.key().equals("source.principal")
                            || c.key().startsWith("request.auth."), path + ".when[" + j + "].key", c.key(), ctx);
                }
            }
        }
    }

    private static void notWithCustom(boolean used, String path, String name, ValidationContext ctx) {
        if (used) {
            ctx.error(path, name + " is currently not supported with CUSTOM action");
        }
    }

    private static void from(Rule.From from, String path, ValidationContext ctx) {
        if (from == null) {
            ctx.error(path, "`from` must not be nil");
            return;
        }
        Source src = from.source();
        if (src == null) {
            ctx.error(path, "`from.source` must not be nil");
            return;
        }
        List<List<String>> all = List.of(src.principals(), src.notPrincipals(), src.requestPrincipals(),
                src.notRequestPrincipals(), src.namespaces(), src.notNamespaces(), src.ipBlocks(), src.notIpBlocks(),
                src.remoteIpBlocks(), src.notRemoteIpBlocks());
        if (all.stream().allMatch(List::isEmpty)) {
            ctx.error(path + ".source", "`from.source` must not be empty");
        }
        String at = path + ".source.";
        ips(src.ipBlocks(), at + "ipBlocks", ctx);
        ips(src.notIpBlocks(), at + "notIpBlocks", ctx);
        ips(src.remoteIpBlocks(), at + "remoteIpBlocks", ctx);
        ips(src.notRemoteIpBlocks(), at + "notRemoteIpBlocks", ctx);
        principals(src.principals(), at + "principals", ctx);
        principals(src.notPrincipals(), at + "notPrincipals", ctx);
        nonEmpty(src.principals(), at + "principals", "Principals", ctx);
        nonEmpty(src.requestPrincipals(), at + "requestPrincipals", "RequestPrincipals", ctx);
        nonEmpty(src.namespaces(), at + "namespaces", "Namespaces", ctx);
        nonEmpty(src.ipBlocks(), at + "ipBlocks", "IpBlocks", ctx);
        nonEmpty(src.remoteIpBlocks(), at + "remoteIpBlocks", "RemoteIpBlocks", ctx);
        nonEmpty(src.notPrincipals(), at + "notPrincipals", "NotPrincipals", ctx);
        nonEmpty(src.notRequestPrincipals(), at + "notRequestPrincipals", "NotRequestPrincipals", ctx);
        nonEmpty(src.notNamespaces(), at + "notNamespaces", "NotNamespaces", ctx);
        nonEmpty(src.notIpBlocks(), at + "notIpBlocks", "NotIpBlocks", ctx);
        nonEmpty(src.notRemoteIpBlocks(), at + "notRemoteIpBlocks", "NotRemoteIpBlocks", ctx);
    }

    private static void to(Rule.To to, String path, ValidationContext ctx) {
        if (to == null) {
            ctx.error(path, "`to` must not be nil");
            return;
        }
        Operation op = to.operation();
        if (op == null) {
            ctx.error(path, "`to.operation` must not be nil");
            return;
        }
        List<List<String>> all = List.of(op.hosts(), op.notHosts(), op.ports(), op.notPorts(), op.methods(),
                op.notMethods(), op.paths(), op.notPaths());
        if (all.stream().allMatch(List::isEmpty)) {
            ctx.error(path + ".operation", "`to.operation` must not be empty");
        }
        String at = path + ".operation.";
        ports(op.ports(), at + "ports", ctx);
        ports(op.notPorts(), at + "notPorts", ctx);
        paths(op.paths(), at + "paths", ctx);
        paths(op.notPaths(), at + "notPaths", ctx);
        nonEmpty(op.ports(), at + "ports", "Ports", ctx);
        nonEmpty(op.methods(), at + "methods", "Methods", ctx);
        nonEmpty(op.paths(), at + "paths", "Paths", ctx);
        nonEmpty(op.hosts(), at + "hosts", "Hosts", ctx);
        nonEmpty(op.notPorts(), at + "notPorts", "NotPorts", ctx);
        nonEmpty(op.notMethods(), at + "notMethods", "NotMethods", ctx);
        nonEmpty(op.notPaths(), at + "notPaths", "NotPaths", ctx);
        nonEmpty(op.notHosts(), at + "notHosts", "NotHosts", ctx);
    }

    private static void condition(Condition c, String path, ValidationContext ctx) {
        if (c == null) {
            ctx.error(path, "when field cannot be nil");
            return;
        }
        String key = c.key();
        if (key == null || key.isEmpty()) {
            ctx.error(path + ".key", "`key` must not be empty");
            return;
        }
        if (c.values().isEmpty() && c.notValues().isEmpty()) {
            ctx.error(path, "at least one of `values` or `notValues` must be set for key " + key);
            return;
        }
        String keyProblem = keyProblem(key);
        if (keyProblem != null) {
            ctx.error(path + ".key", keyProblem);
            return;
        }
        attributeValues(key, c.values(), path + ".values", ctx);
        attributeValues(key, c.notValues(), path + ".notValues", ctx);
        String unevaluated = notEvaluated(key);
        if (unevaluated != null) {
            ctx.warning(path + ".key", "condition " + key + " is not supported by the client-side mesh: "
                    + unevaluated + FAIL_CLOSED);
        }
    }

    /** Why Istio rejects a key, or null for a key it knows. */
    private static String keyProblem(String key) {
        if (KEYS.contains(key)) {
            return null;
        }
        for (String prefix : MAP_KEYS) {
            if (key.startsWith(prefix)) {
                int open = key.indexOf('[');
                return key.endsWith("]") && open > 0 && open < key.length() - 2 ? null
                        : "bad key (" + key + "): should have format a[b]";
            }
        }
        if (key.equals("destination.namespace")) {
            return "attribute " + key + " is replaced by the metadata.namespace";
        }
        if (key.startsWith("destination.labels")) {
            return "attribute " + key + " is replaced by the workload selector";
        }
        if (key.equals("destination.name") || key.equals("destination.user")) {
            return "deprecated attribute " + key + ": only supported in v1alpha1";
        }
        String hint = Suggestions.closest(key.contains("[") ? key.substring(0, key.indexOf('[')) : key,
                known());
        return "unknown attribute: " + key + (hint == null ? "" : "; did you mean \"" + hint
                + (MAP_KEYS.contains(hint) ? "[...]" : "") + "\"?");
    }

    private static List<String> known() {
        return Stream.concat(KEYS.stream(), MAP_KEYS.stream()).sorted().toList();
    }

    /** What a proxyless server can't evaluate for a key, or null when it evaluates it. */
    private static String notEvaluated(String key) {
        if (key.startsWith("request.auth.")) {
            return "JWTs are not validated by a proxyless server (RequestAuthentication is not enforced)";
        }
        if (key.equals("remote.ip")) {
            return "the original client's address (X-Forwarded-For, PROXY protocol) is not derived";
        }
        if (key.equals("destination.ip")) {
            return "the server's own address is not matched";
        }
        if (key.startsWith("experimental.")) {
            return "Envoy filter metadata does not exist without Envoy";
        }
        return null;
    }

    private static void attributeValues(String key, List<String> values, String path, ValidationContext ctx) {
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) == null || values.get(i).isEmpty()) {
                ctx.error(path + "[" + i + "]", "empty value not allowed, found in " + key);
                return;
            }
        }
        switch (key) {
            case "source.ip", "remote.ip", "destination.ip" -> ips(values, path, ctx);
            case "destination.port" -> ports(values, path, ctx);
            case "source.principal" -> principals(values, path, ctx);
            default -> {
            }
        }
    }

    /** Istio's {@code ValidateIPs}: a CIDR block when there is a slash, else an IP address (no zone). */
    private static void ips(List<String> values, String path, ValidationContext ctx) {
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            if (v == null || v.isEmpty()) {
                continue;
            }
            if (v.contains("/")) {
                if (!IpAddresses.isCidr(v)) {
                    ctx.error(path + "[" + i + "]", "bad CIDR range (" + v + ")");
                }
            } else if (v.indexOf('%') >= 0 || !IpAddresses.isIpAddress(v)) {
                ctx.error(path + "[" + i + "]", "bad IP address (" + v + ")");
            }
        }
    }

    /** Istio's {@code ValidatePorts}: decimal, 0..65535. */
    private static void ports(List<String> values, String path, ValidationContext ctx) {
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            if (v == null || v.isEmpty()) {
                continue;
            }
            boolean digits = v.length() <= 5 && v.chars().allMatch(c -> c >= '0' && c <= '9');
            if (!digits || Integer.parseInt(v) > 65535) {
                ctx.error(path + "[" + i + "]", "bad port (" + v + "): must be a number in 0..65535");
            }
        }
    }

    /** Istio's {@code CheckEmptyValues}: the first empty string of a list. */
    private static void nonEmpty(List<String> values, String path, String name, ValidationContext ctx) {
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) == null || values.get(i).isEmpty()) {
                ctx.error(path + "[" + i + "]", "empty value not allowed, found in " + name);
                return;
            }
        }
    }
}
