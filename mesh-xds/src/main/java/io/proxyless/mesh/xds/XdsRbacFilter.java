package io.proxyless.mesh.xds;

import com.google.re2j.PatternSyntaxException;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.proxyless.mesh.runtime.security.CidrRange;
import io.proxyless.mesh.runtime.security.Permission;
import io.proxyless.mesh.runtime.security.Principal;
import io.proxyless.mesh.runtime.security.Rbac;
import io.proxyless.mesh.runtime.security.RbacPolicy;
import io.proxyless.mesh.runtime.security.ValueMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Envoy's HTTP RBAC filter config ({@code envoy.extensions.filters.http.rbac.v3.RBAC}, what istiod writes into a
 * proxyless gRPC server's inbound listener for its AuthorizationPolicies) into the runtime's RBAC engine:
 * {@link Rbac} → {@link RbacPolicy} → {@link Permission} × {@link Principal}.
 *
 * <p>What a proxyless server can't evaluate (filter metadata and state, JWT claims, {@code remote_ip} — the
 * original client behind proxies —, {@code destination_ip}, CEL conditions, generic matchers) fails closed: the
 * leaf is replaced by what makes its policy less permissive — in an ALLOW engine it never matches, in a DENY
 * engine it always matches (flipped under a {@code not_rule}/{@code not_id}) — and a warning names the listener
 * and policy.
 */
final class XdsRbacFilter {
    static final String TYPE = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC";
    /** Envoy's destination port range is [start, end); beyond this many ports it is not expanded. */
    private static final int MAX_PORT_RANGE = 1024;

    private final Rbac.Action action;
    private final String origin;
    private final String path;
    private final Findings findings;
    private String policyName;

    private XdsRbacFilter(Rbac.Action action, String origin, String path, Findings findings) {
        this.action = action;
        this.origin = origin;
        this.path = path;
        this.findings = findings;
    }

    /**
     * The engine of one RBAC filter, or null when it decides nothing (no {@code rules}, or a {@code LOG}
     * action, which only logs).
     *
     * @param origin   the listener and filter chain, for warnings
     * @param path     the filter's field path, e.g. {@code filter_chains[0].filters[0].http_filters[1]}
     * @param findings where warnings and errors go
     */
    static Rbac parse(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC filter, String origin, String path,
                      Findings findings) {
        if (filter.hasMatcher() || filter.hasShadowMatcher()) {
            findings.error(path + ".matcher", "the generic matcher form of RBAC is not supported; use rules");
            return null;
        }
        if (filter.hasShadowRules()) {
            findings.warn(path + ".shadow_rules", "shadow rules are not evaluated; ignored");
        }
        if (!filter.hasRules()) {
            return null;
        }
        RBAC rules = filter.getRules();
        String rulesPath = path + ".rules";
        Rbac.Action action = switch (rules.getAction()) {
            case ALLOW -> Rbac.Action.ALLOW;
            case DENY -> Rbac.Action.DENY;
            case LOG -> null;
            default -> {
                findings.error(rulesPath + ".action", "unknown action " + rules.getActionValue());
                yield null;
            }
        };
        if (action == null) {
            if (rules.getAction() == RBAC.Action.LOG) {
                findings.warn(rulesPath + ".action", "LOG only logs; it decides nothing here and is ignored");
            }
            return null;
        }
        if (rules.hasAuditLoggingOptions()) {
            findings.warn(rulesPath + ".audit_logging_options", "not supported; ignored");
        }
        XdsRbacFilter converter = new XdsRbacFilter(action, origin, rulesPath, findings);
        // Envoy's map has no order; sorted names make decisions and their reasons repeatable.
        Map<String, Policy> sorted = new TreeMap<>(rules.getPoliciesMap());
        List<RbacPolicy> policies = new ArrayList<>();
        sorted.forEach((name, policy) -> {
            RbacPolicy p = converter.policy(name, policy);
            if (p != null) {
                policies.add(p);
            }
        });
        return new Rbac(action, policies);
    }

    /** Istiod names a rule's policy {@code ns-name-index}: the index becomes the rule, the rest the policy. */
    private RbacPolicy policy(String name, Policy policy) {
        policyName = name;
        String p = path + ".policies[" + name + "]";
        boolean failMatches = action == Rbac.Action.DENY;
        if (policy.hasCondition() || policy.hasCheckedCondition()) {
            if (!failMatches) {
                unsupported(p + ".condition", "CEL conditions are not evaluated", false);
                return null;
            }
            unsupported(p + ".condition", "CEL conditions are not evaluated", true);
        }
        List<Permission> permissions = new ArrayList<>();
        for (int i = 0; i < policy.getPermissionsCount(); i++) {
            permissions.add(permission(policy.getPermissions(i), p + ".permissions[" + i + "]", failMatches));
        }
        List<Principal> principals = new ArrayList<>();
        for (int i = 0; i < policy.getPrincipalsCount(); i++) {
            principals.add(principal(policy.getPrincipals(i), p + ".principals[" + i + "]", failMatches));
        }
        int dash = name.lastIndexOf('-');
        if (dash > 0 && dash < name.length() - 1 && name.substring(dash + 1).chars().allMatch(Character::isDigit)
                && name.length() - dash <= 6) {
            return new RbacPolicy(name.substring(0, dash), Integer.parseInt(name.substring(dash + 1)), permissions,
                    principals);
        }
        return new RbacPolicy(name, 0, permissions, principals);
    }

    /**
     * @param failMatches what a leaf that can't be evaluated stands for here: true in a DENY engine (a wider deny),
     *                    false in an ALLOW engine (a smaller allow); flipped under {@code not_rule}
     */
    Permission permission(io.envoyproxy.envoy.config.rbac.v3.Permission p, String at, boolean failMatches) {
        return switch (p.getRuleCase()) {
            case ANY -> Permission.any();
            case AND_RULES -> {
                List<Permission> and = new ArrayList<>();
                var rules = p.getAndRules().getRulesList();
                for (int i = 0; i < rules.size(); i++) {
                    and.add(permission(rules.get(i), at + ".and_rules.rules[" + i + "]", failMatches));
                }
                yield new Permission.And(and);
            }
            case OR_RULES -> {
                List<Permission> or = new ArrayList<>();
                var rules = p.getOrRules().getRulesList();
                for (int i = 0; i < rules.size(); i++) {
                    or.add(permission(rules.get(i), at + ".or_rules.rules[" + i + "]", failMatches));
                }
                yield new Permission.Or(or);
            }
            case NOT_RULE -> new Permission.Not(permission(p.getNotRule(), at + ".not_rule", !failMatches));
            case HEADER -> {
                ValueMatcher m = header(p.getHeader(), at + ".header");
                if (m == null) {
                    yield failPermission(at + ".header", "this header match is not supported", failMatches);
                }
                Permission h = new Permission.Header(p.getHeader().getName(), m);
                yield p.getHeader().getInvertMatch() ? new Permission.Not(h) : h;
            }
            case URL_PATH -> {
                ValueMatcher m = p.getUrlPath().hasPath() ? string(p.getUrlPath().getPath(), at + ".url_path.path")
                        : null;
                yield m == null ? failPermission(at + ".url_path", "this path match is not supported", failMatches)
                        : new Permission.UrlPath(m);
            }
            case DESTINATION_PORT -> new Permission.DestinationPort(p.getDestinationPort());
            case DESTINATION_PORT_RANGE -> {
                int start = p.getDestinationPortRange().getStart();
                int end = p.getDestinationPortRange().getEnd();
                if (end - start > MAX_PORT_RANGE) {
                    yield failPermission(at + ".destination_port_range", "a range of more than " + MAX_PORT_RANGE
                            + " ports is not supported", failMatches);
                }
                List<Permission> or = new ArrayList<>();
                for (int port = start; port < end; port++) {
                    or.add(new Permission.DestinationPort(port));
                }
                yield new Permission.Or(or);
            }
            case REQUESTED_SERVER_NAME -> {
                ValueMatcher m = string(p.getRequestedServerName(), at + ".requested_server_name");
                yield m == null ? failPermission(at + ".requested_server_name", "this name match is not supported",
                        failMatches) : new Permission.RequestedServerName(m);
            }
            case DESTINATION_IP -> failPermission(at + ".destination_ip", "the server's own address is not matched",
                    failMatches);
            case METADATA, SOURCED_METADATA -> failPermission(at, "Envoy filter metadata does not exist in a "
                    + "proxyless server", failMatches);
            case MATCHER -> failPermission(at + ".matcher", "extension matchers are not supported", failMatches);
            case URI_TEMPLATE -> failPermission(at + ".uri_template", "URI templates are not supported",
                    failMatches);
            default -> failPermission(at, "an empty or unknown permission rule", failMatches);
        };
    }

    Principal principal(io.envoyproxy.envoy.config.rbac.v3.Principal p, String at, boolean failMatches) {
        return switch (p.getIdentifierCase()) {
            case ANY -> Principal.any();
            case AND_IDS -> {
                List<Principal> and = new ArrayList<>();
                var ids = p.getAndIds().getIdsList();
                for (int i = 0; i < ids.size(); i++) {
                    and.add(principal(ids.get(i), at + ".and_ids.ids[" + i + "]", failMatches));
                }
                yield new Principal.And(and);
            }
            case OR_IDS -> {
                List<Principal> or = new ArrayList<>();
                var ids = p.getOrIds().getIdsList();
                for (int i = 0; i < ids.size(); i++) {
                    or.add(principal(ids.get(i), at + ".or_ids.ids[" + i + "]", failMatches));
                }
                yield new Principal.Or(or);
            }
            case NOT_ID -> new Principal.Not(principal(p.getNotId(), at + ".not_id", !failMatches));
            case AUTHENTICATED -> {
                if (!p.getAuthenticated().hasPrincipalName()) {
                    // Envoy: without a name, any peer that presented a verified certificate.
                    yield new Principal.Authenticated(ValueMatcher.present());
                }
                ValueMatcher m = string(p.getAuthenticated().getPrincipalName(),
                        at + ".authenticated.principal_name");
                yield m == null ? failPrincipal(at + ".authenticated", "this name match is not supported",
                        failMatches) : new Principal.Authenticated(m);
            }
            case SOURCE_IP, DIRECT_REMOTE_IP -> {
                var range = p.getIdentifierCase() == io.envoyproxy.envoy.config.rbac.v3.Principal.IdentifierCase.SOURCE_IP
                        ? p.getSourceIp() : p.getDirectRemoteIp();
                CidrRange cidr = cidr(range, at);
                yield cidr == null ? failPrincipal(at, "not a CIDR range", failMatches)
                        : new Principal.DirectRemoteIp(cidr);
            }
            case REMOTE_IP -> failPrincipal(at + ".remote_ip", "the original client's address (behind proxies) is "
                    + "not derived", failMatches);
            case HEADER -> {
                ValueMatcher m = header(p.getHeader(), at + ".header");
                if (m == null) {
                    yield failPrincipal(at + ".header", "this header match is not supported", failMatches);
                }
                Principal h = new Principal.Header(p.getHeader().getName(), m);
                yield p.getHeader().getInvertMatch() ? new Principal.Not(h) : h;
            }
            case URL_PATH -> failPrincipal(at + ".url_path", "a path is matched as a permission, not a principal",
                    failMatches);
            case METADATA, SOURCED_METADATA, FILTER_STATE -> failPrincipal(at, "Envoy filter metadata and state "
                    + "(JWT claims among them) do not exist in a proxyless server", failMatches);
            case CUSTOM -> failPrincipal(at + ".custom", "extension principals are not supported", failMatches);
            default -> failPrincipal(at, "an empty or unknown principal", failMatches);
        };
    }

    /**
     * A route's header match as a permission, or null when it can't be evaluated (the route then serves nothing).
     */
    static Permission headerPermission(HeaderMatcher h, String path, String origin, Findings findings) {
        XdsRbacFilter converter = new XdsRbacFilter(Rbac.Action.ALLOW, origin, path, findings);
        ValueMatcher m = converter.header(h, path);
        if (m == null) {
            return null;
        }
        Permission p = new Permission.Header(h.getName(), m);
        return h.getInvertMatch() ? new Permission.Not(p) : p;
    }

    /** An Envoy StringMatcher as a value matcher, or null (with a warning) when it can't be evaluated. */
    ValueMatcher string(StringMatcher m, String at) {
        boolean ic = m.getIgnoreCase();
        try {
            return switch (m.getMatchPatternCase()) {
                case EXACT -> ValueMatcher.exact(m.getExact(), ic);
                case PREFIX -> ValueMatcher.prefix(m.getPrefix(), ic);
                case SUFFIX -> ValueMatcher.suffix(m.getSuffix(), ic);
                case CONTAINS -> ValueMatcher.regex((ic ? "(?i)" : "") + ".*" + ProtoValues.quote(m.getContains())
                        + ".*");
                case SAFE_REGEX -> ValueMatcher.regex(m.getSafeRegex().getRegex());
                default -> null;
            };
        } catch (PatternSyntaxException e) {
            findings.error(at + ".safe_regex.regex", "invalid RE2 regex: " + e.getMessage());
            return ValueMatcher.present();
        }
    }

    /** An Envoy route HeaderMatcher (without its invert flag) as a value matcher, or null. */
    private ValueMatcher header(HeaderMatcher h, String at) {
        if (h.getTreatMissingHeaderAsEmpty()) {
            return null;
        }
        try {
            return switch (h.getHeaderMatchSpecifierCase()) {
                case EXACT_MATCH -> ValueMatcher.exact(h.getExactMatch(), false);
                case PREFIX_MATCH -> ValueMatcher.prefix(h.getPrefixMatch(), false);
                case SUFFIX_MATCH -> ValueMatcher.suffix(h.getSuffixMatch(), false);
                case CONTAINS_MATCH -> ValueMatcher.regex(".*" + ProtoValues.quote(h.getContainsMatch()) + ".*");
                case SAFE_REGEX_MATCH -> ValueMatcher.regex(h.getSafeRegexMatch().getRegex());
                case STRING_MATCH -> string(h.getStringMatch(), at + ".string_match");
                // present_match: false matches an absent header, which a value matcher can't say.
                case PRESENT_MATCH -> h.getPresentMatch() ? ValueMatcher.present() : null;
                // Envoy: no specifier matches any present header.
                case HEADERMATCHSPECIFIER_NOT_SET -> ValueMatcher.present();
                default -> null;
            };
        } catch (PatternSyntaxException e) {
            findings.error(at + ".safe_regex_match.regex", "invalid RE2 regex: " + e.getMessage());
            return ValueMatcher.present();
        }
    }

    private CidrRange cidr(io.envoyproxy.envoy.config.core.v3.CidrRange range, String at) {
        String text = range.getAddressPrefix() + (range.hasPrefixLen() ? "/" + range.getPrefixLen().getValue() : "");
        try {
            return CidrRange.parse(text);
        } catch (IllegalArgumentException e) {
            findings.error(at, e.getMessage());
            return null;
        }
    }

    private Permission failPermission(String at, String why, boolean failMatches) {
        unsupported(at, why, failMatches);
        return failMatches ? Permission.any() : new Permission.Not(Permission.any());
    }

    private Principal failPrincipal(String at, String why, boolean failMatches) {
        unsupported(at, why, failMatches);
        return failMatches ? Principal.any() : new Principal.Not(Principal.any());
    }

    private void unsupported(String at, String why, boolean failMatches) {
        findings.warn(at, origin + ", " + action + " policy " + policyName + ": " + why + "; "
                + (failMatches ? "treated as matching" : "treated as not matching") + " (fail closed)");
    }
}
