package io.proxyless.mesh.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HostNameTest {
    private static final String CLUSTER = HostName.DEFAULT_DOMAIN_SUFFIX;
    private static final int CASES = 2_000;

    // ---------------------------------------------------------------- normalization

    @Test
    void namesAreLowerCasedAndLoseTheTrailingDotAndIpv6Brackets() {
        assertThat(HostName.of("Reviews.Default.SVC.cluster.local")).hasToString("reviews.default.svc.cluster.local");
        assertThat(HostName.of("reviews.default.svc.cluster.local.")).hasToString("reviews.default.svc.cluster.local");
        assertThat(HostName.of("API.Example.com.")).isEqualTo(HostName.of("api.example.com"));
        assertThat(HostName.of("[::1]")).hasToString("::1");
        assertThat(HostName.of("[2001:DB8::7]")).hasToString("2001:db8::7");
        assertThat(HostName.of("*")).isSameAs(HostName.ANY);
        assertThat(HostName.of("*.")).isSameAs(HostName.ANY);
    }

    @Test
    void normalizeReturnsANameAlreadyInNormalFormItselfAndAgreesWithOf() {
        String written = "reviews.default.svc.cluster.local";
        assertThat(HostName.normalize(written)).isSameAs(written);
        Random random = new Random(12);
        String alphabet = "aZ.-[]:9*\u00c9";
        for (int i = 0; i < CASES; i++) {
            StringBuilder b = new StringBuilder();
            for (int n = 1 + random.nextInt(8); n > 0; n--) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String host = b.toString();
            String expected;
            try {
                expected = HostName.of(host).toString();
            } catch (IllegalArgumentException e) {
                assertThatThrownBy(() -> HostName.normalize(host)).as(host)
                        .isInstanceOf(IllegalArgumentException.class);
                continue;
            }
            assertThat(HostName.normalize(host)).as(host).isEqualTo(expected);
        }
        assertThatThrownBy(() -> HostName.normalize(".")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HostName.normalize("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nothingLeftIsNotAName() {
        assertThatThrownBy(() -> HostName.of("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HostName.of(".")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\".\"");
        assertThatThrownBy(() -> HostName.of(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void anAbsoluteNameEndsWithTheRootsDot() {
        assertThat(HostName.isAbsolute("reviews.")).isTrue();
        assertThat(HostName.isAbsolute("reviews.default.svc.cluster.local.")).isTrue();
        assertThat(HostName.isAbsolute("reviews")).isFalse();
        assertThat(HostName.isAbsolute(".")).as("the root alone is no name").isFalse();
    }

    @Test
    void ipLiteralsAndWildcardsAreRecognized() {
        assertThat(HostName.of("10.0.0.1").isIpAddress()).isTrue();
        assertThat(HostName.of("[::1]").isIpAddress()).isTrue();
        assertThat(HostName.of("10.0.0.1.example.com").isIpAddress()).isFalse();
        assertThat(HostName.of("10.0.0").isIpAddress()).isFalse();
        assertThat(HostName.of("*.example.com").isWildcard()).isTrue();
        assertThat(HostName.ANY.isWildcard()).isTrue();
        assertThat(HostName.of("example.com").isWildcard()).isFalse();
    }

    /** Property: normalizing is idempotent and blind to case and to the trailing dot. */
    @Test
    void normalizationIsIdempotentAndIgnoresCaseAndTheTrailingDot() {
        for (int seed = 0; seed < CASES; seed++) {
            Random random = new Random(seed);
            String written = randomName(random, false);
            HostName name = HostName.of(written);
            String why = "seed " + seed + ": \"" + written + "\"";

            assertThat(HostName.of(name.toString())).as(why).isEqualTo(name);
            assertThat(HostName.of(written.toUpperCase(Locale.ROOT))).as(why).isEqualTo(name);
            assertThat(HostName.of(written + ".")).as(why).isEqualTo(name).hasSameHashCodeAs(name);
            assertThat(name.toString()).as(why).isLowerCase().doesNotEndWith(".");
        }
    }

    // ---------------------------------------------------------------- expansion of names written in config

    @Test
    void aShortNameExpandsToTheNamespaceAndClusterDomain() {
        assertThat(HostName.qualified("reviews", "shop", CLUSTER)).hasToString("reviews.shop.svc.cluster.local");
        assertThat(HostName.qualified("Reviews", "shop", CLUSTER)).hasToString("reviews.shop.svc.cluster.local");
        assertThat(HostName.qualified("reviews", "shop", "corp.internal")).hasToString("reviews.shop.svc.corp.internal");
        assertThat(HostName.qualified("reviews", "shop", null)).hasToString("reviews.shop.svc.cluster.local");
    }

    @Test
    void aNameWithADotIsTakenAsWrittenAsIstioDoes() {
        // ResolveShortnameToFQDN expands only dot-less names; clients reach reviews.other through the aliases.
        assertThat(HostName.qualified("reviews.other", "shop", CLUSTER)).hasToString("reviews.other");
        assertThat(HostName.qualified("reviews.other.svc", "shop", CLUSTER)).hasToString("reviews.other.svc");
        assertThat(HostName.qualified("reviews.other.svc.cluster.local", "shop", CLUSTER))
                .hasToString("reviews.other.svc.cluster.local");
        assertThat(HostName.qualified("API.example.com", "shop", CLUSTER)).hasToString("api.example.com");
    }

    @Test
    void anAbsoluteNameIsNeverExpanded() {
        assertThat(HostName.qualified("backend.", "shop", CLUSTER)).hasToString("backend");
        assertThat(HostName.qualified("Reviews.Shop.svc.cluster.local.", "shop", CLUSTER))
                .isEqualTo(HostName.qualified("reviews.shop.svc.cluster.local", "other", CLUSTER));
    }

    @Test
    void wildcardsAndAddressesAreLeftAlone() {
        assertThat(HostName.qualified("*", "shop", CLUSTER)).isSameAs(HostName.ANY);
        assertThat(HostName.qualified("*.Example.com", "shop", CLUSTER)).hasToString("*.example.com");
        assertThat(HostName.qualified("10.0.0.1", "shop", CLUSTER)).hasToString("10.0.0.1");
        assertThat(HostName.qualified("::1", "shop", CLUSTER)).hasToString("::1");
        assertThat(HostName.qualified("[2001:db8::7]", "shop", CLUSTER)).hasToString("2001:db8::7");
    }

    @Test
    void anEmptyNamespaceOrDomainAddsNothingForThatPart() {
        // Istio's rule: each part is appended only when it is known.
        assertThat(HostName.qualified("reviews", "", CLUSTER)).hasToString("reviews.svc.cluster.local");
        assertThat(HostName.qualified("reviews", "shop", "")).hasToString("reviews.shop");
        assertThat(HostName.qualified("reviews", null, "")).hasToString("reviews");
    }

    /** Property: expansion changes only dot-less relative names, in exactly one way, and only once. */
    @Test
    void expansionOnlyChangesDotlessRelativeNamesAndIsIdempotent() {
        for (int seed = 0; seed < CASES; seed++) {
            Random random = new Random(seed);
            String written = randomName(random, true);
            String namespace = random.nextBoolean() ? "shop" : "default";
            HostName once = HostName.qualified(written, namespace, CLUSTER);
            String why = "seed " + seed + ": \"" + written + "\" in " + namespace;
            String plain = HostName.of(written).toString();

            if (HostName.isAbsolute(written) || plain.contains(".") || plain.startsWith("*")) {
                assertThat(once).as(why).isEqualTo(HostName.of(written));
            } else {
                assertThat(once).as(why).hasToString(plain + "." + namespace + ".svc." + CLUSTER);
            }
            if (!HostName.isAbsolute(written)) {
                // An absolute dot-less name loses its dot; written again it is a short name.
                assertThat(HostName.qualified(once.toString(), namespace, CLUSTER)).as(why).isEqualTo(once);
            }
            assertThat(HostName.qualified(written.toUpperCase(Locale.ROOT), namespace, CLUSTER)).as(why)
                    .isEqualTo(once);
        }
    }

    // ---------------------------------------------------------------- wildcards

    @Test
    void matchesAndSubsetOfFollowIstio() {
        // The examples of Istio's host.Name.Matches.
        assertThat(name("foo.com").matches(name("foo.com"))).isTrue();
        assertThat(name("foo.com").matches(name("bar.com"))).isFalse();
        assertThat(name("*.com").matches(name("foo.com"))).isTrue();
        assertThat(name("bar.com").matches(name("*.com"))).isTrue();
        assertThat(name("*.foo.com").matches(name("foo.com"))).isFalse();
        assertThat(name("*").matches(name("foo.com"))).isTrue();
        assertThat(name("*").matches(name("*.com"))).isTrue();

        assertThat(name("a.example.com").subsetOf(name("*.example.com"))).isTrue();
        assertThat(name("a.b.example.com").subsetOf(name("*.example.com"))).as("any number of labels").isTrue();
        assertThat(name("example.com").subsetOf(name("*.example.com"))).isFalse();
        assertThat(name("*.example.com").subsetOf(name("*.com"))).isTrue();
        assertThat(name("*.com").subsetOf(name("*.example.com"))).isFalse();
        assertThat(name("*.example.com").subsetOf(name("a.example.com"))).isFalse();
        assertThat(name("*.example.com").subsetOf(HostName.ANY)).isTrue();
        assertThat(name("A.Example.COM.").subsetOf(name("*.example.com"))).as("after normalization").isTrue();
    }

    /** Property: subsetOf agrees with its definition over a small universe of concrete names. */
    @Test
    void subsetOfMeansEveryNameCoveredByTheFirstIsCoveredByTheSecond() {
        String[] labels = {"a", "b", "c"};
        List<String> universe = new ArrayList<>();
        for (String x : labels) {
            universe.add(x);
            for (String y : labels) {
                universe.add(x + "." + y);
                for (String z : labels) {
                    universe.add(x + "." + y + "." + z);
                }
            }
        }
        for (int seed = 0; seed < CASES; seed++) {
            Random random = new Random(seed);
            HostName n = name(randomPattern(random, labels));
            HostName o = name(randomPattern(random, labels));
            boolean definition = universe.stream().filter(h -> covers(n, h)).allMatch(h -> covers(o, h))
                    && universe.stream().anyMatch(h -> covers(n, h));
            assertThat(n.subsetOf(o)).as("seed %d: %s ⊆ %s", seed, n, o).isEqualTo(definition);
            assertThat(n.matches(o)).as("seed %d: matches is symmetric, %s ~ %s", seed, n, o)
                    .isEqualTo(o.matches(n));
        }
    }

    @Test
    void moreSpecificFirstPutsExactNamesFirstThenLongerWildcards() {
        List<HostName> names = new ArrayList<>(List.of(name("*"), name("a.b.com"), name("*.com"), name("b.com"),
                name("*.b.com"), name("a.a.com")));
        names.sort(HostName.MORE_SPECIFIC_FIRST);
        assertThat(names).extracting(HostName::toString)
                .containsExactly("a.a.com", "a.b.com", "b.com", "*.b.com", "*.com", "*");
    }

    /** Property: of the wildcards covering a name, the first in Istio's order is covered by all the others. */
    @Test
    void theFirstCoveringWildcardIsTheMostSpecific() {
        String[] labels = {"a", "b", "c"};
        for (int seed = 0; seed < CASES; seed++) {
            Random random = new Random(seed);
            HostName host = name(concrete(random, labels));
            List<HostName> covering = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                HostName w = name(randomPattern(random, labels));
                if (w.isWildcard() && host.subsetOf(w)) {
                    covering.add(w);
                }
            }
            if (covering.isEmpty()) {
                continue;
            }
            HostName first = covering.stream().min(HostName.MORE_SPECIFIC_FIRST).orElseThrow();
            for (HostName other : covering) {
                assertThat(first.subsetOf(other)).as("seed %d: %s among %s for %s", seed, first, covering, host)
                        .isTrue();
            }
        }
    }

    // ---------------------------------------------------------------- short forms a client may call

    @Test
    void aClientInTheServicesNamespaceMayUseEveryShortForm() {
        assertThat(name("reviews.shop.svc.cluster.local").aliases("shop", CLUSTER)).extracting(HostName::toString)
                .containsExactly("reviews.shop.svc", "reviews.shop", "reviews");
    }

    @Test
    void aClientElsewhereMustNameTheNamespace() {
        assertThat(name("reviews.shop.svc.cluster.local").aliases("other", CLUSTER)).extracting(HostName::toString)
                .containsExactly("reviews.shop.svc", "reviews.shop");
        assertThat(name("reviews.shop.svc.corp.internal").aliases("shop", "corp.internal"))
                .extracting(HostName::toString).containsExactly("reviews.shop.svc", "reviews.shop", "reviews");
    }

    @Test
    void namesOutsideTheClusterDomainHaveNoShortForms() {
        assertThat(name("api.example.com").aliases("shop", CLUSTER)).isEmpty();
        assertThat(name("reviews.shop.svc.cluster.local").aliases("shop", "corp.internal")).isEmpty();
        assertThat(name("reviews.shop.svc.cluster.local").aliases("shop", "")).isEmpty();
        assertThat(name("*.shop.svc.cluster.local").aliases("shop", CLUSTER)).isEmpty();
        assertThat(name("reviews.svc.cluster.local").aliases("shop", CLUSTER)).as("no namespace label").isEmpty();
        assertThat(name("10.0.0.1").aliases("shop", CLUSTER)).isEmpty();
    }

    /**
     * Property: the short forms of {@code NAME.NS.svc.cluster.local} are proper prefixes at label boundaries, the
     * bare name is one exactly for a client in {@code NS}, and expanding that bare name in {@code NS} gives the
     * service back.
     */
    @Test
    void shortFormsArePrefixesAndTheBareNameExpandsBackToTheService() {
        String[] namespaces = {"shop", "default", "billing"};
        for (int seed = 0; seed < CASES; seed++) {
            Random random = new Random(seed);
            String service = label(random);
            String namespace = namespaces[random.nextInt(namespaces.length)];
            String client = namespaces[random.nextInt(namespaces.length)];
            HostName fqdn = HostName.qualified(service, namespace, CLUSTER);
            List<HostName> aliases = fqdn.aliases(client, CLUSTER);
            String why = "seed " + seed + ": " + fqdn + " for a client in " + client;

            for (HostName alias : aliases) {
                assertThat(fqdn.toString()).as(why).startsWith(alias + ".");
            }
            HostName bare = HostName.of(service);
            assertThat(aliases.contains(bare)).as(why).isEqualTo(namespace.equals(client));
            assertThat(aliases).as(why).contains(HostName.of(service + "." + namespace),
                    HostName.of(service + "." + namespace + ".svc"));
            assertThat(HostName.qualified(service, client, CLUSTER).equals(fqdn)).as(why)
                    .isEqualTo(aliases.contains(bare));
        }
    }

    // ---------------------------------------------------------------- generators

    private static HostName name(String s) {
        return HostName.of(s);
    }

    private static boolean covers(HostName pattern, String host) {
        return pattern.isWildcard() ? host.endsWith(pattern.toString().substring(1)) : host.equals(pattern.toString());
    }

    /** A name of 1-4 labels in mixed case, sometimes a wildcard, sometimes absolute (when {@code absolute}). */
    private static String randomName(Random random, boolean absolute) {
        int kind = random.nextInt(10);
        if (kind == 0) {
            return random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "."
                    + random.nextInt(256);
        }
        List<String> labels = new ArrayList<>();
        int count = 1 + random.nextInt(4);
        for (int i = 0; i < count; i++) {
            labels.add(label(random));
        }
        String name = String.join(".", labels);
        if (kind == 1) {
            name = "*." + name;
        } else if (kind == 2) {
            name = "*";
        }
        return absolute && random.nextInt(4) == 0 ? name + "." : name;
    }

    private static String label(Random random) {
        String alphabet = "abcxyzABCXYZ0189-";
        StringBuilder label = new StringBuilder();
        label.append((char) ('a' + random.nextInt(26)));
        int length = random.nextInt(8);
        for (int i = 0; i < length; i++) {
            label.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return label.append((char) ('a' + random.nextInt(26))).toString();
    }

    private static String randomPattern(Random random, String[] labels) {
        int kind = random.nextInt(4);
        if (kind == 0) {
            return "*";
        }
        String name = concrete(random, labels);
        return kind == 1 ? "*." + name : name;
    }

    private static String concrete(Random random, String[] labels) {
        List<String> parts = new ArrayList<>();
        int count = 1 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
            parts.add(labels[random.nextInt(labels.length)]);
        }
        return String.join(".", parts);
    }
}
