package io.proxyless.mesh.runtime.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.AuthorizationPolicy;
import io.proxyless.mesh.api.Condition;
import io.proxyless.mesh.api.Metadata;
import io.proxyless.mesh.api.Operation;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Rule;
import io.proxyless.mesh.api.Source;
import io.proxyless.mesh.api.SourceInfo;
import io.proxyless.mesh.api.WorkloadSelectorV1beta1;
import io.proxyless.mesh.runtime.config.MeshConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;

/**
 * Properties of AuthorizationPolicy evaluation over seeded random policies and requests: the compiled RBAC form
 * decides as a direct reading of Istio's reference does, load order does not matter, a DENY policy never admits
 * more, and what can't be evaluated never admits more. A failure names its seed and case.
 */
class InboundPolicyPropertyTest {
    private static final long[] SEEDS = {1, 2, 3, 42, 1234, 98765, 20261207};
    private static final int CASES = 100;
    private static final int REQUESTS = 20;
    /** Each case's policies compiled once, not once per request. */
    private static final Map<List<Resource<AuthorizationPolicy>>, InboundPolicy> COMPILED =
            new java.util.IdentityHashMap<>();
    private static final Map<String, String> LABELS = Map.of("app", "reviews");

    private static final String[] PRINCIPALS = {"cluster.local/ns/default/sa/sleep", "cluster.local/ns/default/sa/*",
        "*/sa/sleep", "*", "cluster.local/ns/foo/sa/curl", "*curl"};
    private static final String[] NAMESPACES = {"default", "foo", "*", "def*", "*oo"};
    private static final String[] IPS = {"10.0.0.0/8", "10.0.0.7", "192.168.0.0/16", "10.1.0.0/16"};
    private static final String[] HOSTS = {"reviews:9080", "REVIEWS*", "*.svc.cluster.local", "*", "ratings"};
    private static final String[] METHODS = {"GET", "POST", "P*", "*"};
    private static final String[] PATHS = {"/reviews/1", "/reviews/*", "*/1", "*", "/api/{*}/x", "/api/{**}",
        "/admin"};
    private static final String[] PORTS = {"9080", "8080"};
    private static final String[] HEADER_VALUES = {"v1", "v*", "*", "*2"};

    private static final String[] REQUEST_PRINCIPALS = {null, "spiffe://cluster.local/ns/default/sa/sleep",
        "spiffe://cluster.local/ns/default/sa/other", "spiffe://cluster.local/ns/foo/sa/curl"};
    private static final String[] REQUEST_IPS = {"10.0.0.7", "10.1.2.3", "192.168.5.5", "172.16.0.1"};
    private static final String[] REQUEST_HOSTS = {"reviews:9080", "Reviews.default.svc.cluster.local", "ratings"};
    private static final String[] REQUEST_METHODS = {"GET", "POST", "PUT", "DELETE"};
    private static final String[] REQUEST_PATHS = {"/reviews/1", "/reviews/2?q=1", "/api/v1/x", "/api/a/b/c",
        "/admin", "/", "/api//x"};
    private static final int[] REQUEST_PORTS = {9080, 8080};
    private static final String[] REQUEST_VERSIONS = {null, "v1", "v2", ""};

    @Test
    void theCompiledFormDecidesAsIstiosReferenceReads() {
        int[] outcomes = new int[3];
        forAll((random, policies, request, where) -> {
            InboundPolicy compiled = compile(policies);
            AuthorizationDecision d = compiled.authorize(request);
            boolean expected = Reference.allowed(policies, request);
            assertThat(d.allowed()).as(where).isEqualTo(expected);
            outcomes[d.allowed() ? 0 : 1]++;
            outcomes[2] += d.policy() != null ? 1 : 0;
            if (d.policy() != null) {
                Resource<AuthorizationPolicy> decider = policies.stream()
                        .filter(p -> (p.namespace() + "/" + p.name()).equals(d.policy())).findFirst().orElseThrow();
                assertThat(Reference.ruleMatches(decider.spec(), decider.spec().rules().get(d.rule()), request))
                        .as(where + ": the reported rule matches").isTrue();
            }
        });
        int total = outcomes[0] + outcomes[1];
        assertThat(outcomes[0]).as("allowed of %d", total).isGreaterThan(total / 10);
        assertThat(outcomes[1]).as("denied of %d", total).isGreaterThan(total / 10);
        assertThat(outcomes[2]).as("decided by a named rule of %d", total).isGreaterThan(total / 10);
    }

    @Test
    void loadOrderDoesNotChangeTheDecision() {
        forAll((random, policies, request, where) -> {
            List<Resource<AuthorizationPolicy>> shuffled = new ArrayList<>(policies);
            Collections.shuffle(shuffled, random);
            assertThat(compile(shuffled).authorize(request)).as(where).isEqualTo(compile(policies).authorize(request));
        });
    }

    @Test
    void addingADenyPolicyNeverAdmitsMore() {
        forAll((random, policies, request, where) -> {
            List<Resource<AuthorizationPolicy>> more = new ArrayList<>(policies);
            more.add(resource("extra-deny", randomPolicy(random, AuthorizationPolicy.Action.DENY)));
            if (!compile(policies).authorize(request).allowed()) {
                assertThat(compile(more).authorize(request).allowed()).as(where).isFalse();
            }
        });
    }

    @Test
    void whatCannotBeEvaluatedNeverAdmitsMore() {
        forAll((random, policies, request, where) -> {
            // The same policies with a JWT principal added to every rule's first source: an ALLOW rule can then
            // never match, a DENY rule matches as if it were not there.
            List<Resource<AuthorizationPolicy>> withJwt = policies.stream().map(p -> resource(p.name(),
                    withRequestPrincipals(p.spec()))).toList();
            if (!compile(policies).authorize(request).allowed()) {
                assertThat(compile(withJwt).authorize(request).allowed()).as(where).isFalse();
            }
        });
    }

    @Test
    void anUnknownSniNeverAdmitsMoreThanAnyKnownOne() {
        forAll((random, policies, request, where) -> {
            // The same policies with connection.sni conditions (values, notValues or both) on some rules: a server
            // that can't see the SNI admits a request only when it would admit it whatever SNI the client sent.
            List<Resource<AuthorizationPolicy>> withSni = policies.stream().map(p -> resource(p.name(),
                    withSniConditions(random, p.spec()))).toList();
            InboundPolicy compiled = compile(withSni);
            if (compiled.authorize(withSni(request, null, false)).allowed()) {
                for (String sni : REQUEST_SNIS) {
                    assertThat(compiled.authorize(withSni(request, sni, true)).allowed()).as(where + ", sni " + sni)
                            .isTrue();
                }
            }
            // without a connection.sni condition, not knowing the SNI changes nothing
            assertThat(compile(policies).authorize(withSni(request, null, false)).allowed()).as(where)
                    .isEqualTo(compile(policies).authorize(request).allowed());
        });
    }

    private static final String[] SNIS = {"outbound_.9080_._.reviews.default.svc.cluster.local", "*.cluster.local",
        "reviews*", "*"};
    private static final String[] REQUEST_SNIS = {null, "outbound_.9080_._.reviews.default.svc.cluster.local",
        "reviews.example", "other.cluster.local"};

    private static InboundRequest withSni(InboundRequest r, String sni, boolean known) {
        Map<String, List<String>> headers = r.header("x-version") == null ? Map.of()
                : Map.of("x-version", List.of(r.header("x-version")));
        InboundRequest.Builder b = InboundRequest.builder().principal(r.principal()).sourceIp(r.sourceIp())
                .host(r.host()).method(r.method()).path(r.path()).port(r.port()).headers(headers);
        return (known ? b.sni(sni) : b.sniUnknown()).build();
    }

    private static AuthorizationPolicy withSniConditions(Random random, AuthorizationPolicy spec) {
        List<Rule> rules = spec.rules().stream().map(r -> {
            if (random.nextInt(3) == 0) {
                return r;
            }
            List<Condition> when = new ArrayList<>(r.when());
            List<String> values = random.nextBoolean() ? List.of(SNIS[random.nextInt(SNIS.length)]) : List.of();
            List<String> notValues = values.isEmpty() || random.nextBoolean()
                    ? List.of(SNIS[random.nextInt(SNIS.length)]) : List.of();
            when.add(new Condition("connection.sni", values, notValues));
            return new Rule(r.from(), r.to(), when);
        }).toList();
        return new AuthorizationPolicy(spec.selector(), null, List.of(), rules, spec.action(), null);
    }

    // --- the harness: seeded generators, the failing seed and case in the message ---

    @FunctionalInterface
    private interface Property {
        void check(Random random, List<Resource<AuthorizationPolicy>> policies, InboundRequest request, String where);
    }

    private static void forAll(Property property) {
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            for (int c = 0; c < CASES; c++) {
                List<Resource<AuthorizationPolicy>> policies = randomPolicies(random);
                COMPILED.clear();
                for (int r = 0; r < REQUESTS; r++) {
                    InboundRequest request = randomRequest(random);
                    String where = "seed " + seed + ", case " + c + ", request " + request + ", headers x-version="
                            + request.header("x-version") + ", policies " + policies.stream()
                            .map(p -> p.name() + "=" + p.spec()).toList();
                    property.check(random, policies, request, where);
                }
            }
        }
    }

    private static InboundPolicy compile(List<Resource<AuthorizationPolicy>> policies) {
        return COMPILED.computeIfAbsent(policies, p -> InboundPolicy.compile(MeshConfig.of(new ArrayList<>(p)),
                "default", LABELS));
    }

    private static Resource<AuthorizationPolicy> resource(String name, AuthorizationPolicy spec) {
        return new Resource<>(ResourceKind.AUTHORIZATION_POLICY, "security.istio.io/v1",
                new Metadata(name, "default", Map.of(), Map.of()), spec, SourceInfo.NONE);
    }

    private static List<Resource<AuthorizationPolicy>> randomPolicies(Random random) {
        List<Resource<AuthorizationPolicy>> out = new ArrayList<>();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            AuthorizationPolicy.Action action = random.nextInt(3) == 0 ? AuthorizationPolicy.Action.DENY
                    : random.nextInt(6) == 0 ? AuthorizationPolicy.Action.AUDIT : AuthorizationPolicy.Action.ALLOW;
            out.add(resource("p" + i, randomPolicy(random, action)));
        }
        return out;
    }

    private static AuthorizationPolicy randomPolicy(Random random, AuthorizationPolicy.Action action) {
        WorkloadSelectorV1beta1 selector = random.nextInt(5) == 0
                ? WorkloadSelectorV1beta1.of(Map.of("app", random.nextBoolean() ? "reviews" : "ratings")) : null;
        List<Rule> rules = new ArrayList<>();
        int n = random.nextInt(6) == 0 ? 0 : 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            rules.add(randomRule(random));
        }
        return new AuthorizationPolicy(selector, null, List.of(), rules, action, null);
    }

    private static Rule randomRule(Random random) {
        List<Rule.From> from = new ArrayList<>();
        for (int i = random.nextInt(3); i > 0; i--) {
            from.add(new Rule.From(new Source(some(random, PRINCIPALS), some(random, PRINCIPALS), null, null,
                    some(random, NAMESPACES), some(random, NAMESPACES), some(random, IPS), some(random, IPS), null,
                    null)));
        }
        List<Rule.To> to = new ArrayList<>();
        for (int i = random.nextInt(3); i > 0; i--) {
            to.add(new Rule.To(new Operation(some(random, HOSTS), some(random, HOSTS), some(random, PORTS),
                    some(random, PORTS), some(random, METHODS), some(random, METHODS), some(random, PATHS),
                    some(random, PATHS))));
        }
        List<Condition> when = new ArrayList<>();
        for (int i = random.nextInt(3); i > 0; i--) {
            switch (random.nextInt(5)) {
                case 0 -> when.add(new Condition("source.principal", some(random, PRINCIPALS),
                        some(random, PRINCIPALS)));
                case 1 -> when.add(new Condition("source.namespace", some(random, NAMESPACES),
                        some(random, NAMESPACES)));
                case 2 -> when.add(new Condition("source.ip", some(random, IPS), some(random, IPS)));
                case 3 -> when.add(new Condition("destination.port", some(random, PORTS), some(random, PORTS)));
                default -> when.add(new Condition("request.headers[x-version]", some(random, HEADER_VALUES),
                        some(random, HEADER_VALUES)));
            }
        }
        return new Rule(from, to, when.stream().filter(c -> !c.values().isEmpty() || !c.notValues().isEmpty())
                .toList());
    }

    /** Mostly nothing; else one or two values from {@code pool}. */
    private static List<String> some(Random random, String[] pool) {
        int n = random.nextInt(10);
        if (n < 6) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = n < 9 ? 1 : 2; i > 0; i--) {
            out.add(pool[random.nextInt(pool.length)]);
        }
        return out;
    }

    private static InboundRequest randomRequest(Random random) {
        String version = REQUEST_VERSIONS[random.nextInt(REQUEST_VERSIONS.length)];
        return InboundRequest.builder()
                .principal(REQUEST_PRINCIPALS[random.nextInt(REQUEST_PRINCIPALS.length)])
                .sourceIp(REQUEST_IPS[random.nextInt(REQUEST_IPS.length)])
                .host(REQUEST_HOSTS[random.nextInt(REQUEST_HOSTS.length)])
                .method(REQUEST_METHODS[random.nextInt(REQUEST_METHODS.length)])
                .path(REQUEST_PATHS[random.nextInt(REQUEST_PATHS.length)])
                .port(REQUEST_PORTS[random.nextInt(REQUEST_PORTS.length)])
                .headers(version == null ? Map.of() : Map.of("X-Version", List.of(version)))
                .build();
    }

    private static AuthorizationPolicy withRequestPrincipals(AuthorizationPolicy spec) {
        List<Rule> rules = spec.rules().stream().map(r -> {
            List<Rule.From> from = new ArrayList<>(r.from());
            Source jwt = new Source(null, null, List.of("*"), null, null, null, null, null, null, null);
            if (from.isEmpty()) {
                from.add(new Rule.From(jwt));
            } else {
                Source s = from.get(0).source();
                from.set(0, new Rule.From(new Source(s.principals(), s.notPrincipals(), List.of("issuer/subject"),
                        null, s.namespaces(), s.notNamespaces(), s.ipBlocks(), s.notIpBlocks(), null, null)));
            }
            return new Rule(from, r.to(), r.when());
        }).toList();
        return new AuthorizationPolicy(spec.selector(), null, List.of(), rules, spec.action(), null);
    }

    /**
     * Istio's AuthorizationPolicy reference, read as directly as possible (no RBAC tree, no shared matcher code):
     * a rule matches when one {@code from}, one {@code to} and every {@code when} match; within a field one value
     * must match and no {@code not} value.
     */
    static final class Reference {
        private Reference() {
        }

        static boolean allowed(List<Resource<AuthorizationPolicy>> policies, InboundRequest r) {
            boolean anyAllow = false;
            boolean allowMatched = false;
            for (Resource<AuthorizationPolicy> p : policies) {
                AuthorizationPolicy spec = p.spec();
                if (spec.selector() != null && !LABELS.entrySet().containsAll(spec.selector().matchLabels()
                        .entrySet())) {
                    continue;
                }
                boolean matched = spec.rules().stream().anyMatch(rule -> ruleMatches(spec, rule, r));
                switch (spec.actionOrDefault()) {
                    case DENY -> {
                        if (matched) {
                            return false;
                        }
                    }
                    case ALLOW -> {
                        anyAllow = true;
                        allowMatched |= matched;
                    }
                    default -> {
                    }
                }
            }
            return !anyAllow || allowMatched;
        }

        static boolean ruleMatches(AuthorizationPolicy policy, Rule rule, InboundRequest r) {
            boolean allow = policy.actionOrDefault() == AuthorizationPolicy.Action.ALLOW;
            if (allow && rule.from().stream().anyMatch(f -> !f.source().requestPrincipals().isEmpty()
                    || !f.source().notRequestPrincipals().isEmpty())) {
                return false; // fail closed: an ALLOW rule with a JWT principal never matches
            }
            boolean from = rule.from().isEmpty() || rule.from().stream().anyMatch(f -> source(f.source(), r));
            boolean to = rule.to().isEmpty() || rule.to().stream().anyMatch(t -> operation(t.operation(), r));
            boolean when = rule.when().stream().allMatch(c -> condition(c, r));
            return from && to && when;
        }

        private static boolean source(Source s, InboundRequest r) {
            String id = r.principal() == null ? null : r.principal().substring("spiffe://".length());
            return field(s.principals(), s.notPrincipals(), v -> istio(v, id, false))
                    && field(s.namespaces(), s.notNamespaces(), v -> istio(v, namespaceOf(id), false))
                    && field(s.ipBlocks(), s.notIpBlocks(), v -> CidrRange.parse(v).contains(r.sourceAddress()));
        }

        private static boolean operation(Operation o, InboundRequest r) {
            return field(o.hosts(), o.notHosts(), v -> header(v, r.host(), true))
                    && field(o.methods(), o.notMethods(), v -> header(v, r.method(), false))
                    && field(o.paths(), o.notPaths(), v -> path(v, r.urlPath()))
                    && field(o.ports(), o.notPorts(), v -> Integer.parseInt(v) == r.port());
        }

        private static boolean condition(Condition c, InboundRequest r) {
            String id = r.principal() == null ? null : r.principal().substring("spiffe://".length());
            java.util.function.Predicate<String> one = switch (c.key()) {
                case "source.principal" -> v -> istio(v, id, false);
                case "source.namespace" -> v -> istio(v, namespaceOf(id), false);
                case "source.ip" -> v -> CidrRange.parse(v).contains(r.sourceAddress());
                case "destination.port" -> v -> Integer.parseInt(v) == r.port();
                case "request.headers[x-version]" -> v -> header(v, r.header("x-version"), false);
                default -> throw new IllegalArgumentException(c.key());
            };
            return field(c.values(), c.notValues(), one);
        }

        private static boolean field(List<String> values, List<String> notValues,
                                     java.util.function.Predicate<String> one) {
            return (values.isEmpty() || values.stream().anyMatch(one)) && notValues.stream().noneMatch(one);
        }

        /** {@code *} any non-empty value, {@code *x} suffix, {@code x*} prefix, else exact. */
        private static boolean istio(String pattern, String value, boolean ignoreCase) {
            if (value == null) {
                return false;
            }
            BiPredicate<String, String> eq = ignoreCase
                    ? (a, b) -> a.toLowerCase(Locale.ROOT).equals(b.toLowerCase(Locale.ROOT)) : String::equals;
            if (pattern.equals("*")) {
                return !value.isEmpty();
            }
            if (pattern.startsWith("*")) {
                String suffix = pattern.substring(1);
                return value.length() >= suffix.length()
                        && eq.test(value.substring(value.length() - suffix.length()), suffix);
            }
            if (pattern.endsWith("*")) {
                String prefix = pattern.substring(0, pattern.length() - 1);
                return value.length() >= prefix.length() && eq.test(value.substring(0, prefix.length()), prefix);
            }
            return eq.test(value, pattern);
        }

        /** A header: {@code *} is presence, even of an empty value. */
        private static boolean header(String pattern, String value, boolean ignoreCase) {
            return pattern.equals("*") ? value != null : istio(pattern, value, ignoreCase);
        }

        private static String namespaceOf(String id) {
            if (id == null) {
                return null;
            }
            int ns = id.indexOf("/ns/");
            if (ns < 0) {
                return null;
            }
            int end = id.indexOf('/', ns + 4);
            return end < 0 ? null : id.substring(ns + 4, end);
        }

        /** Paths, with templates matched segment by segment. */
        private static boolean path(String pattern, String path) {
            if (!pattern.contains("{*}") && !pattern.contains("{**}")) {
                return istio(pattern, path, false);
            }
            String[] want = pattern.split("/", -1);
            String[] have = path.split("/", -1);
            for (int i = 0; i < want.length; i++) {
                if (want[i].equals("{**}")) {
                    return have.length > i; // "/" and then any number of segments (Envoy: none too)
                }
                if (i >= have.length) {
                    return false;
                }
                if (want[i].equals("{*}") ? have[i].isEmpty() : !want[i].equals(have[i])) {
                    return false;
                }
            }
            return want.length == have.length;
        }
    }
}
