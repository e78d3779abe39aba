package io.proxyless.mesh.runtime.security;

import io.proxyless.mesh.runtime.config.MeshConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The inbound policy of this workload, compiled once per config snapshot: the mTLS mode of each port
 * (PeerAuthentication) and the authorization engines (AuthorizationPolicy) in Envoy's order — CUSTOM (fail
 * closed: there is no external authorizer), DENY, ALLOW; AUDIT is evaluated on its own and never decides.
 * Read it through {@code mesh.inbound()} for every call or connection, so a config change applies to the next
 * one and an invalid edit keeps the last good policy.
 *
 * <pre>{@code
 * InboundPolicy policy = mesh.inbound();
 * if (policy.mtlsMode(port) == MtlsMode.STRICT && principal == null) { refuse the connection }
 * AuthorizationDecision d = policy.authorize(InboundRequest.builder().port(port).principal(principal)
 *         .sourceIp(peer).method("GET").path("/reviews/1").host("reviews:9080").build());
 * }</pre>
 *
 * <p>Istio's rules: a DENY match denies; otherwise, when ALLOW policies apply, a request must match one of them;
 * with none, it is allowed. A rule that uses what a proxyless server can't evaluate (JWT principals and claims,
 * {@code remoteIpBlocks}, {@code destination.ip}…) fails closed: an ALLOW rule never matches, a DENY rule
 * matches without it (the {@link #warnings()} say which).
 */
public final class InboundPolicy {
    /** Istio's default root namespace: policies there without a selector apply to the whole mesh. */
    public static final String ROOT_NAMESPACE = "istio-system";

    private static final InboundPolicy ALLOW_ALL = new InboundPolicy(null, Map.of(), InboundMtls.DEFAULT,
            List.of(), List.of());

    private final String namespace;
    private final Map<String, String> labels;
    private final InboundMtls mtls;
    private final Rbac custom;
    private final Rbac deny;
    private final Rbac allow;
    private final Rbac audit;
    private final List<Rbac> engines;
    private final List<String> warnings;

    private InboundPolicy(String namespace, Map<String, String> labels, InboundMtls mtls, List<Rbac> engines,
                          List<String> warnings) {
        this.namespace = namespace;
        this.labels = Map.copyOf(labels);
        this.mtls = Objects.requireNonNull(mtls);
        this.engines = List.copyOf(engines);
        this.warnings = List.copyOf(warnings);
        Rbac c = null;
        Rbac d = null;
        Rbac a = null;
        Rbac au = null;
        for (Rbac e : this.engines) {
            switch (e.action()) {
                case CUSTOM -> c = merge(c, e);
                case DENY -> d = merge(d, e);
                case ALLOW -> a = merge(a, e);
                case AUDIT -> au = merge(au, e);
                default -> throw new IllegalStateException(e.action().toString());
            }
        }
        this.custom = c;
        this.deny = d;
        this.allow = a;
        this.audit = au;
    }

    private static Rbac merge(Rbac a, Rbac b) {
        if (a == null) {
            return b;
        }
        List<RbacPolicy> all = new ArrayList<>(a.policies());
        all.addAll(b.policies());
        return new Rbac(a.action(), all);
    }

    /** No policy: PERMISSIVE on every port, every request allowed. */
    public static InboundPolicy allowAll() {
        return ALLOW_ALL;
    }

    /**
     * A policy from already compiled parts (e.g. an xDS inbound listener's filter chains and RBAC filters).
     *
     * @param engines at most one per action matters for evaluation; several of one action are merged in order
     */
    public static InboundPolicy of(String namespace, Map<String, String> labels, InboundMtls mtls, List<Rbac> engines,
                                   List<String> warnings) {
        return new InboundPolicy(namespace, labels, mtls, engines, warnings);
    }

    /**
     * Compiles the PeerAuthentications and AuthorizationPolicies of {@code config} that apply to the workload in
     * {@code namespace} with {@code labels} (root namespace {@link #ROOT_NAMESPACE}).
     */
    public static InboundPolicy compile(MeshConfig config, String namespace, Map<String, String> labels) {
        return InboundPolicyCompiler.compile(config, namespace, labels, ROOT_NAMESPACE);
    }

    /** The mTLS mode of inbound {@code port}. */
    public MtlsMode mtlsMode(int port) {
        return mtls.mode(port);
    }

    /** The mTLS modes of every port. */
    public InboundMtls mtls() {
        return mtls;
    }

    /** Decides whether {@code request} may pass. Reads only immutable state; takes no lock. */
    public AuthorizationDecision authorize(InboundRequest request) {
        if (custom != null) {
            RbacPolicy m = custom.firstMatch(request);
            if (m != null) {
                return AuthorizationDecision.matched(false, m, "DENY", "CUSTOM policy " + m
                        + " matched; a proxyless server calls no external authorizer, so the request is denied "
                        + "(fail closed)");
            }
        }
        if (deny != null) {
            RbacPolicy m = deny.firstMatch(request);
            if (m != null) {
                return AuthorizationDecision.matched(false, m, "DENY", "DENY policy " + m + " matched");
            }
        }
        if (allow != null) {
            RbacPolicy m = allow.firstMatch(request);
            if (m != null) {
                return AuthorizationDecision.matched(true, m, "ALLOW", "ALLOW policy " + m + " matched");
            }
            return new AuthorizationDecision(false, null, null, null, "ALLOW policies apply to the workload and "
                    + "none matched the request");
        }
        if (deny != null || custom != null) {
            return new AuthorizationDecision(true, null, null, null, "no DENY policy matched and no ALLOW policy "
                    + "applies to the workload: allowed");
        }
        return AuthorizationDecision.noPolicy();
    }

    /**
     * The AUDIT policy rule that matches {@code request} (for audit logging), or null. Never decides. Servers log
     * it through {@link AuditLog#record}.
     */
    public RbacPolicy audit(InboundRequest request) {
        return audit == null ? null : audit.firstMatch(request);
    }

    /** True when an AUDIT policy with at least one rule applies: only then can {@link #audit} match. */
    public boolean hasAuditPolicies() {
        return audit != null && !audit.policies().isEmpty();
    }

    /** The authorization engines, in the order they were given or compiled. */
    public List<Rbac> engines() {
        return engines;
    }

    /** True when at least one AuthorizationPolicy applies (of any action). */
    public boolean hasAuthorizationPolicies() {
        return !engines.isEmpty();
    }

    /** The workload's namespace this policy was compiled for, or null ({@link #allowAll()}). */
    public String namespace() {
        return namespace;
    }

    /** The workload labels this policy was compiled for. */
    public Map<String, String> labels() {
        return labels;
    }

    /** What could not be enforced as written, and how it fails closed. */
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public String toString() {
        return "InboundPolicy{" + namespace + " " + labels + ", mtls=" + mtls + ", engines=" + engines.stream()
                .map(e -> e.action() + ":" + e.policies().size()).toList() + "}";
    }
}
