package io.proxyless.mesh.runtime.security;

import io.proxyless.mesh.api.AuthorizationPolicy;
import io.proxyless.mesh.api.Condition;
import io.proxyless.mesh.api.Operation;
import io.proxyless.mesh.api.PeerAuthentication;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Rule;
import io.proxyless.mesh.api.Source;
import io.proxyless.mesh.api.WorkloadSelectorV1beta1;
import io.proxyless.mesh.runtime.config.MeshConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles the PeerAuthentications and AuthorizationPolicies that apply to one workload into an
 * {@link InboundPolicy}, as istiod writes a sidecar's inbound listener: PeerAuthentication composed by precedence,
 * each AuthorizationPolicy rule as one RBAC policy (istiod's {@code authz/model}: the {@code when} keys go to the
 * permission or the principal side, each {@code from}/{@code to} entry becomes one principal/permission).
 */
final class InboundPolicyCompiler {
    private InboundPolicyCompiler() {
    }

    static InboundPolicy compile(MeshConfig config, String namespace, Map<String, String> labels,
                                 String rootNamespace) {
        List<String> warnings = new ArrayList<>();
        InboundMtls mtls = peerAuthentication(config, namespace, labels, rootNamespace);
        Map<Rbac.Action, List<Named>> byAction = new EnumMap<>(Rbac.Action.class);
        for (Resource<AuthorizationPolicy> r : config.<AuthorizationPolicy>resources(
                ResourceKind.AUTHORIZATION_POLICY)) {
            AuthorizationPolicy spec = r.spec();
            if (!applies(r.namespace(), spec.selector(), namespace, labels, rootNamespace)) {
                continue;
            }
            if (spec.targetRef() != null || !spec.targetRefs().isEmpty()) {
                continue; // attached to a gateway or waypoint: sidecars (and this server) ignore it
            }
            Rbac.Action action = switch (spec.actionOrDefault()) {
                case ALLOW -> Rbac.Action.ALLOW;
                case DENY -> Rbac.Action.DENY;
                case AUDIT -> Rbac.Action.AUDIT;
                case CUSTOM -> Rbac.Action.CUSTOM;
            };
            String key = r.namespace() + "/" + r.name();
            if (action == Rbac.Action.CUSTOM) {
                warnings.add("AuthorizationPolicy " + key + ": CUSTOM action is not supported by a proxyless "
                        + "server (no external authorizer is called): requests its rules match are denied");
            }
            List<Named> policies = byAction.computeIfAbsent(action, a -> new ArrayList<>());
            for (int i = 0; i < spec.rules().size(); i++) {
                Rule rule = spec.rules().get(i);
                if (rule == null) {
                    continue;
                }
                RuleCompiler rc = new RuleCompiler(key, i, action, warnings);
                RbacPolicy policy = rc.compile(rule);
                if (policy != null) {
                    // Envoy keeps RBAC policies in a map ordered by the name istiod gives them.
                    policies.add(new Named("ns[" + r.namespace() + "]-policy[" + r.name() + "]-rule[" + i + "]",
                            policy));
                }
            }
        }
        List<Rbac> engines = new ArrayList<>();
        byAction.forEach((action, policies) -> engines.add(new Rbac(action, policies.stream()
                .sorted(Comparator.comparing(Named::name)).map(Named::policy).toList())));
        return InboundPolicy.of(namespace, labels, mtls, engines, warnings);
    }

    private record Named(String name, RbacPolicy policy) {
    }

    /** Istio: policies of the workload's namespace and of the root namespace whose selector matches. */
    static boolean applies(String policyNamespace, WorkloadSelectorV1beta1 selector, String namespace,
                           Map<String, String> labels, String rootNamespace) {
        if (!policyNamespace.equals(namespace) && !policyNamespace.equals(rootNamespace)) {
            return false;
        }
        return selects(selector, labels);
    }

    private static boolean selects(WorkloadSelectorV1beta1 selector, Map<String, String> labels) {
        if (selector == null) {
            return true;
        }
        for (Map.Entry<String, String> e : selector.matchLabels().entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Istio's {@code ComposePeerAuthentication}: the oldest mesh-wide (root namespace, no selector), namespace (no
     * selector) and workload (selector, not in the root namespace) policies, applied in that order, each mode
     * other than UNSET replacing the one before; a port-level UNSET inherits the workload's mode.
     */
    static InboundMtls peerAuthentication(MeshConfig config, String namespace, Map<String, String> labels,
                                          String rootNamespace) {
        Resource<PeerAuthentication> mesh = null;
        Resource<PeerAuthentication> ns = null;
        Resource<PeerAuthentication> workload = null;
        for (Resource<PeerAuthentication> r : config.<PeerAuthentication>resources(
                ResourceKind.PEER_AUTHENTICATION)) {
            PeerAuthentication spec = r.spec();
            boolean selectsWorkloads = spec.selector() != null && !spec.selector().matchLabels().isEmpty();
            if (!selectsWorkloads) {
                // Load order stands for creation time: the oldest wins, as in istiod.
                if (r.namespace().equals(rootNamespace)) {
                    mesh = mesh == null ? r : mesh;
                } else if (r.namespace().equals(namespace)) {
                    ns = ns == null ? r : ns;
                }
            } else if (r.namespace().equals(namespace) && !namespace.equals(rootNamespace)
                    && selects(spec.selector(), labels)) {
                workload = workload == null ? r : workload;
            }
        }
        MtlsMode mode = MtlsMode.PERMISSIVE;
        List<String> decidedBy = new ArrayList<>();
        for (Resource<PeerAuthentication> r : java.util.Arrays.asList(mesh, ns, workload)) {
            if (r == null) {
                continue;
            }
            MtlsMode m = mode(r.spec().mtls());
            if (m != null) {
                mode = m;
                decidedBy.add(r.describe());
            }
        }
        Map<Integer, MtlsMode> ports = new HashMap<>();
        if (workload != null) {
            for (Map.Entry<String, PeerAuthentication.MutualTLS> e : workload.spec().portLevelMtls().entrySet()) {
                int port;
                try {
                    port = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    continue; // validation reports it
                }
                MtlsMode m = mode(e.getValue());
                ports.put(port, m == null ? mode : m);
            }
            if (!ports.isEmpty() && !decidedBy.contains(workload.describe())) {
                decidedBy.add(workload.describe() + " (portLevelMtls)");
            }
        }
        return new InboundMtls(mode, ports, decidedBy.isEmpty() ? "default" : String.join(", ", decidedBy));
    }

    /** The mode written, or null for UNSET (inherit). */
    private static MtlsMode mode(PeerAuthentication.MutualTLS mtls) {
        if (mtls == null) {
            return null;
        }
        return switch (mtls.modeOrUnset()) {
            case UNSET -> null;
            case DISABLE -> MtlsMode.DISABLE;
            case PERMISSIVE -> MtlsMode.PERMISSIVE;
            case STRICT -> MtlsMode.STRICT;
        };
    }

    /** Thrown by a generator for a value a proxyless server can't evaluate. */
    private static final class Unsupported extends Exception {
        Unsupported(String message) {
            super(message, null, false, false);
        }
    }

    @FunctionalInterface
    private interface Generator<T> {
        T generate(String value) throws Unsupported;
    }

    /** One rule of one policy: istiod's {@code model.New} followed by {@code Generate}. */
    private static final class RuleCompiler {
        private final String policy;
        private final int index;
        private final Rbac.Action action;
        private final List<String> warnings;
        private boolean dropped;

        RuleCompiler(String policy, int index, Rbac.Action action, List<String> warnings) {
            this.policy = policy;
            this.index = index;
            this.action = action;
            this.warnings = warnings;
        }

        RbacPolicy compile(Rule rule) {
            List<Permission> basePermission = new ArrayList<>();
            List<Principal> basePrincipal = new ArrayList<>();
            for (int j = 0; j < rule.when().size(); j++) {
                Condition c = rule.when().get(j);
                if (c == null) {
                    continue;
                }
                condition(c, "when[" + j + "]", basePermission, basePrincipal);
            }
            List<Principal> principals = new ArrayList<>();
            for (int j = 0; j < rule.from().size(); j++) {
                Rule.From from = rule.from().get(j);
                List<Principal> and = new ArrayList<>();
                Source s = from == null ? null : from.source();
                if (s != null) {
                    String at = "from[" + j + "].source.";
                    principal(and, at + "principals", s.principals(), s.notPrincipals(),
                            InboundPolicyCompiler::principalName);
                    principal(and, at + "requestPrincipals", s.requestPrincipals(), s.notRequestPrincipals(),
                            v -> unsupported("JWT request principals are not validated by a proxyless server"));
                    principal(and, at + "namespaces", s.namespaces(), s.notNamespaces(),
                            InboundPolicyCompiler::namespace);
                    principal(and, at + "remoteIpBlocks", s.remoteIpBlocks(), s.notRemoteIpBlocks(),
                            v -> unsupported("the original client's address is not derived by a proxyless server"));
                    principal(and, at + "ipBlocks", s.ipBlocks(), s.notIpBlocks(), InboundPolicyCompiler::directIp);
                }
                and.addAll(basePrincipal);
                principals.add(and.isEmpty() ? Principal.any() : new Principal.And(and));
            }
            if (rule.from().isEmpty()) {
                principals.add(basePrincipal.isEmpty() ? Principal.any() : new Principal.And(basePrincipal));
            }
            List<Permission> permissions = new ArrayList<>();
            for (int j = 0; j < rule.to().size(); j++) {
                Rule.To to = rule.to().get(j);
                List<Permission> and = new ArrayList<>();
                Operation o = to == null ? null : to.operation();
                if (o != null) {
                    String at = "to[" + j + "].operation.";
                    permission(and, at + "hosts", o.hosts(), o.notHosts(),
                            v -> new Permission.Header(":authority", ValueMatcher.istioHeader(v, true)));
                    permission(and, at + "methods", o.methods(), o.notMethods(),
                            v -> new Permission.Header(":method", ValueMatcher.istioHeader(v, false)));
                    permission(and, at + "paths", o.paths(), o.notPaths(), InboundPolicyCompiler::path);
                    permission(and, at + "ports", o.ports(), o.notPorts(), InboundPolicyCompiler::port);
                }
                and.addAll(basePermission);
                permissions.add(and.isEmpty() ? Permission.any() : new Permission.And(and));
            }
            if (rule.to().isEmpty()) {
                permissions.add(basePermission.isEmpty() ? Permission.any() : new Permission.And(basePermission));
            }
            return dropped ? null : new RbacPolicy(policy, index, permissions, principals);
        }

        private void condition(Condition c, String at, List<Permission> permissions, List<Principal> principals) {
            String key = c.key() == null ? "" : c.key();
            String path = at + "(" + key + ")";
            switch (key) {
                case "destination.port" -> permission(permissions, path, c.values(), c.notValues(),
                        InboundPolicyCompiler::port);
                case "connection.sni" -> permission(permissions, path, c.values(), c.notValues(),
                        v -> new Permission.RequestedServerName(ValueMatcher.istio(v, false)));
                case "source.ip" -> principal(principals, path, c.values(), c.notValues(),
                        InboundPolicyCompiler::directIp);
                case "source.namespace" -> principal(principals, path, c.values(), c.notValues(),
                        InboundPolicyCompiler::namespace);
                case "source.principal" -> principal(principals, path, c.values(), c.notValues(),
                        InboundPolicyCompiler::principalName);
                default -> {
                    if (key.startsWith("request.headers[") && key.endsWith("]") && key.length() > 17) {
                        String header = key.substring("request.headers[".length(), key.length() - 1);
                        principal(principals, path, c.values(), c.notValues(),
                                v -> new Principal.Header(header, ValueMatcher.istioHeader(v, false)));
                    } else {
                        String why = key.startsWith("request.auth.")
                                ? "JWTs are not validated by a proxyless server"
                                : key.equals("remote.ip") ? "the original client's address is not derived"
                                : key.equals("destination.ip") ? "the server's own address is not matched"
                                : key.startsWith("experimental.") ? "Envoy filter metadata does not exist"
                                : "unknown attribute";
                        // Which side istiod puts it on does not matter for a value that never generates.
                        principal(principals, path, c.values(), c.notValues(), v -> unsupported(why));
                    }
                }
            }
        }

        private void principal(List<Principal> and, String field, List<String> values, List<String> notValues,
                               Generator<Principal> g) {
            List<Principal> or = generate(field, values, g);
            if (!or.isEmpty()) {
                and.add(or.size() == 1 ? or.get(0) : new Principal.Or(or));
            }
            List<Principal> not = generate(field, notValues, g);
            if (!not.isEmpty()) {
                and.add(new Principal.Not(not.size() == 1 ? not.get(0) : new Principal.Or(not)));
            }
        }

        private void permission(List<Permission> and, String field, List<String> values, List<String> notValues,
                                Generator<Permission> g) {
            List<Permission> or = generate(field, values, g);
            if (!or.isEmpty()) {
                and.add(or.size() == 1 ? or.get(0) : new Permission.Or(or));
            }
            List<Permission> not = generate(field, notValues, g);
            if (!not.isEmpty()) {
                and.add(new Permission.Not(not.size() == 1 ? not.get(0) : new Permission.Or(not)));
            }
        }

        /**
         * istiod's {@code checkError}: in an ALLOW policy a value that can't be generated drops the whole rule (a
         * smaller allow); in DENY, AUDIT (and CUSTOM, which fails closed as a deny) it is left out (a wider match).
         */
        private <T> List<T> generate(String field, List<String> values, Generator<T> g) {
            List<T> out = new ArrayList<>();
            for (String v : values) {
                if (v == null || v.isEmpty()) {
                    continue;
                }
                try {
                    out.add(g.generate(v));
                } catch (Unsupported e) {
                    if (action == Rbac.Action.ALLOW) {
                        if (!dropped) {
                            warnings.add("AuthorizationPolicy " + policy + ": rules[" + index + "]." + field + " "
                                    + v + ": " + e.getMessage() + "; this ALLOW rule never matches (fail closed)");
                        }
                        dropped = true;
                    } else {
                        warnings.add("AuthorizationPolicy " + policy + ": rules[" + index + "]." + field + " " + v
                                + ": " + e.getMessage() + "; the " + action + " rule matches without it "
                                + "(fail closed)");
                    }
                }
            }
            return out;
        }

        private static <T> T unsupported(String why) throws Unsupported {
            throw new Unsupported(why);
        }
    }

    // --- generators (istiod's authz/model generator.go) ---

    /** {@code principals}, {@code source.principal}: the peer's SPIFFE id, written without {@code spiffe://}. */
    static Principal principalName(String v) {
        return new Principal.Authenticated(ValueMatcher.istio(v, "spiffe://", false));
    }

    /** {@code namespaces}, {@code source.namespace}: the {@code /ns/NAME/} segment of the peer's identity. */
    static Principal namespace(String v) throws Unsupported {
        try {
            return new Principal.Authenticated(ValueMatcher.regex(".*/ns/" + v.replace("*", ".*") + "/.*"));
        } catch (RuntimeException e) {
            throw new Unsupported("not a namespace pattern (" + e.getMessage() + ")");
        }
    }

    static Principal directIp(String v) throws Unsupported {
        try {
            return new Principal.DirectRemoteIp(CidrRange.parse(v));
        } catch (IllegalArgumentException e) {
            throw new Unsupported(e.getMessage());
        }
    }

    static Permission port(String v) throws Unsupported {
        try {
            int port = Integer.parseInt(v);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new Permission.DestinationPort(port);
        } catch (NumberFormatException e) {
            throw new Unsupported("not a port number");
        }
    }

    static Permission path(String v) throws Unsupported {
        if (PathTemplate.isTemplate(v)) {
            try {
                return new Permission.UrlPath(ValueMatcher.regex(PathTemplate.toRegex(v)));
            } catch (IllegalArgumentException e) {
                throw new Unsupported(e.getMessage());
            }
        }
        return new Permission.UrlPath(ValueMatcher.istio(v, false));
    }
}
