package io.proxyless.mesh.api.validation;

import static io.proxyless.mesh.api.validation.Checks.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.StringMatch;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CommonRulesTest {

    // ------------------------------------------------------------------ duration

    @Test
    void durationBelowOneMillisecondIsRejected() {
        assertThat(run(ctx -> CommonRules.duration(Duration.ZERO, "spec.t", ctx)))
                .containsExactly("spec.t: duration must be greater than 1ms");
        assertThat(run(ctx -> CommonRules.duration(Duration.ofNanos(999_999), "spec.t", ctx)))
                .containsExactly("spec.t: duration must be greater than 1ms");
        assertThat(run(ctx -> CommonRules.duration(Duration.ofSeconds(-1), "spec.t", ctx)))
                .containsExactly("spec.t: duration must be greater than 1ms");
    }

    @Test
    void durationWithSubMillisecondPartIsRejected() {
        assertThat(run(ctx -> CommonRules.duration(Duration.ofNanos(1_500_000), "spec.t", ctx)))
                .containsExactly("spec.t: only durations to ms precision are supported");
    }

    @Test
    void wholeMillisecondDurationsAndUnsetPass() {
        assertThat(run(ctx -> {
            CommonRules.duration(Duration.ofMillis(1), "spec.a", ctx);
            CommonRules.duration(Duration.ofSeconds(30), "spec.b", ctx);
            CommonRules.duration(null, "spec.c", ctx);
        })).isEmpty();
    }

    // ------------------------------------------------------------------ percentages

    @Test
    void percentageAbove100IsRejectedWithIstiosWording() {
        assertThat(run(ctx -> CommonRules.percentage(150.0, "spec.p.value", ctx)))
                .containsExactly("spec.p.value: percentage 150 is neither 0.0, nor in range [0.0001, 100.0]");
    }

    @Test
    void percentageBelowOneMillionthAndNegativeAreRejected() {
        assertThat(run(ctx -> {
            CommonRules.percentage(0.00001, "spec.a", ctx);
            CommonRules.percentage(-0.5, "spec.b", ctx);
            CommonRules.percentage(Double.NaN, "spec.c", ctx);
        })).containsExactly(
                "spec.a: percentage 1e-05 is neither 0.0, nor in range [0.0001, 100.0]",
                "spec.b: percentage -0.5 is neither 0.0, nor in range [0.0001, 100.0]",
                "spec.c: percentage NaN is neither 0.0, nor in range [0.0001, 100.0]");
    }

    @Test
    void percentageBoundsZeroAndUnsetPass() {
        assertThat(run(ctx -> {
            CommonRules.percentage(0.0, "spec.a", ctx);
            CommonRules.percentage(0.0001, "spec.b", ctx);
            CommonRules.percentage(100.0, "spec.c", ctx);
            CommonRules.percentage(null, "spec.d", ctx);
        })).isEmpty();
    }

    @Test
    void integerPercentOutside0To100IsRejected() {
        assertThat(run(ctx -> {
            CommonRules.intPercent(101, "spec.a", ctx);
            CommonRules.intPercent(-1, "spec.b", ctx);
            CommonRules.intPercent(100, "spec.c", ctx);
            CommonRules.intPercent(null, "spec.d", ctx);
        })).containsExactly(
                "spec.a: percentage 101 is not in range 0..100",
                "spec.b: percentage -1 is not in range 0..100");
    }

    @Test
    void negativeCountsAreRejected() {
        assertThat(run(ctx -> {
            CommonRules.nonNegative(-1, "max retries", "spec.a", ctx);
            CommonRules.nonNegative(0, "max retries", "spec.b", ctx);
            CommonRules.nonNegative(null, "max retries", "spec.c", ctx);
        })).containsExactly("spec.a: max retries must be non-negative");
    }

    @Test
    void goFloatFormatsLikeGoPercentV() {
        assertThat(CommonRules.goFloat(150)).isEqualTo("150");
        assertThat(CommonRules.goFloat(150.5)).isEqualTo("150.5");
        assertThat(CommonRules.goFloat(0.0001)).isEqualTo("0.0001");
        assertThat(CommonRules.goFloat(0.00001)).isEqualTo("1e-05");
        assertThat(CommonRules.goFloat(999999)).isEqualTo("999999");
        assertThat(CommonRules.goFloat(1_000_000)).isEqualTo("1e+06");
        assertThat(CommonRules.goFloat(1_234_567)).isEqualTo("1.234567e+06");
        assertThat(CommonRules.goFloat(-2.5)).isEqualTo("-2.5");
        assertThat(CommonRules.goFloat(1e300)).isEqualTo("1e+300");
    }

    // ------------------------------------------------------------------ string matches

    @Test
    void stringMatchWithTwoAlternativesIsRejected() {
        assertThat(run(ctx -> CommonRules.stringMatch(new StringMatch("a", "b", null), "spec.m", ctx, true)))
                .containsExactly("spec.m: only one of exact, prefix or regex may be set");
    }

    @Test
    void emptyStringMatchIsRejectedOnlyWhereNotAllowed() {
        assertThat(run(ctx -> CommonRules.stringMatch(new StringMatch(null, null, null), "spec.m", ctx, false)))
                .containsExactly("spec.m: one of exact, prefix or regex is required");
        assertThat(run(ctx -> CommonRules.stringMatch(new StringMatch(null, null, null), "spec.m", ctx, true)))
                .isEmpty();
    }

    @Test
    void emptyPrefixAndEmptyRegexAreRejectedButEmptyExactPasses() {
        assertThat(run(ctx -> {
            CommonRules.stringMatch(StringMatch.prefix(""), "spec.a", ctx, true);
            CommonRules.stringMatch(StringMatch.regex(""), "spec.b", ctx, true);
            CommonRules.stringMatch(StringMatch.exact(""), "spec.c", ctx, true);
        })).containsExactly(
                "spec.a.prefix: prefix string match should not be empty",
                "spec.b.regex: regex string match should not be empty");
    }

    @Test
    void invalidRe2RegexIsRejectedWithTheParserMessage() {
        assertThat(run(ctx -> CommonRules.stringMatch(StringMatch.regex("a(b"), "spec.m", ctx, true)))
                .containsExactly("spec.m.regex: error parsing regexp: missing closing ): `a(b`; Istio uses RE2 style"
                        + " regex-based match (https://github.com/google/re2/wiki/Syntax)");
    }

    @Test
    void perlOnlyRegexFeaturesAreRejectedBecauseEnvoyRunsRe2() {
        // Backreferences and lookahead compile in java.util.regex but not in RE2.
        assertThat(run(ctx -> {
            CommonRules.regex("(a)\\1", "spec.a", ctx);
            CommonRules.regex("foo(?=bar)", "spec.b", ctx);
        })).hasSize(2).allMatch(line -> line.contains("error parsing regexp"));
    }

    @Test
    void regexLongerThan1024BytesIsRejected() {
        String ok = "a".repeat(1024);
        String tooLong = "a".repeat(1025);
        assertThat(run(ctx -> {
            CommonRules.regex(ok, "spec.a", ctx);
            CommonRules.regex(tooLong, "spec.b", ctx);
        })).containsExactly("spec.b: regex is too large, max length allowed is 1024");
    }

    @Test
    void starRegexIsAPresenceMatchInWithoutHeadersButInvalidInHeaders() {
        assertThat(run(ctx -> CommonRules.withoutHeaderMatch(StringMatch.regex("*"), "spec.w", ctx))).isEmpty();
        assertThat(run(ctx -> CommonRules.stringMatch(StringMatch.regex("*"), "spec.h", ctx, true)))
                .containsExactly("spec.h.regex: error parsing regexp: missing argument to repetition operator: `*`;"
                        + " Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)");
    }

    @Test
    void withoutHeaderMatchStillChecksOtherAlternatives() {
        assertThat(run(ctx -> CommonRules.withoutHeaderMatch(StringMatch.prefix(""), "spec.w", ctx)))
                .containsExactly("spec.w.prefix: prefix string match should not be empty");
    }

    @Test
    void uriMatchAllowsEmptyPrefixButChecksRegex() {
        assertThat(run(ctx -> {
            CommonRules.uriMatch(StringMatch.prefix(""), "spec.a", ctx);
            CommonRules.uriMatch(new StringMatch(null, null, null), "spec.b", ctx);
            CommonRules.uriMatch(StringMatch.regex("["), "spec.c", ctx);
        })).containsExactly("spec.c.regex: error parsing regexp: missing closing ]: `[`; Istio uses RE2 style"
                + " regex-based match (https://github.com/google/re2/wiki/Syntax)");
    }

    // ------------------------------------------------------------------ ports

    @Test
    void portNumbersOutside1To65535AreRejected() {
        assertThat(run(ctx -> {
            CommonRules.portNumber(0, "spec.a", ctx);
            CommonRules.portNumber(65536, "spec.b", ctx);
            CommonRules.portNumber(null, "spec.c", ctx);
            CommonRules.portNumber(1, "spec.d", ctx);
            CommonRules.portNumber(65535, "spec.e", ctx);
        })).containsExactly(
                "spec.a: port number 0 must be in the range 1..65535",
                "spec.b: port number 65536 must be in the range 1..65535",
                "spec.c: port number is required");
    }

    @Test
    void portNamesMustBeDns1123Labels() {
        assertThat(run(ctx -> {
            CommonRules.portName("http_web", "spec.a", ctx);
            CommonRules.portName(null, "spec.b", ctx);
            CommonRules.portName("http-web", "spec.c", ctx);
        })).containsExactly("spec.a: invalid port name: http_web", "spec.b: port name is required");
    }

    @Test
    void unknownProtocolIsRejectedCaseInsensitively() {
        assertThat(run(ctx -> {
            CommonRules.protocol("QUIC", "spec.a", ctx);
            CommonRules.protocol("grpc", "spec.b", ctx);
            CommonRules.protocol("", "spec.c", ctx);
            CommonRules.protocol(null, "spec.d", ctx);
        })).containsExactly("spec.a: unsupported protocol: QUIC");
    }

    // ------------------------------------------------------------------ labels and names

    @Test
    void dns1123LabelFollowsIstiosDefinition() {
        assertThat(CommonRules.isDns1123Label("v1")).isTrue();
        assertThat(CommonRules.isDns1123Label("V1")).isTrue(); // Istio's label pattern allows upper case
        assertThat(CommonRules.isDns1123Label("a".repeat(63))).isTrue();
        assertThat(CommonRules.isDns1123Label("a".repeat(64))).isFalse();
        assertThat(CommonRules.isDns1123Label("-v1")).isFalse();
        assertThat(CommonRules.isDns1123Label("v1-")).isFalse();
        assertThat(CommonRules.isDns1123Label("v.1")).isFalse();
        assertThat(CommonRules.isDns1123Label("")).isFalse();
        assertThat(run(ctx -> CommonRules.dns1123Label("a_b", "spec.ns", ctx))).containsExactly(
                "spec.ns: \"a_b\" is not a valid DNS-1123 label (at most 63 letters, digits or '-', starting and"
                        + " ending with a letter or digit)");
    }

    @Test
    void subsetNamesMustBePresentAndDns1123Labels() {
        assertThat(run(ctx -> {
            CommonRules.subsetName("", "spec.a", ctx);
            CommonRules.subsetName(null, "spec.b", ctx);
            CommonRules.subsetName("v1.2", "spec.c", ctx);
            CommonRules.subsetName("v1", "spec.d", ctx);
        })).containsExactly(
                "spec.a: subset name cannot be empty",
                "spec.b: subset name cannot be empty",
                "spec.c: subset name is invalid: v1.2");
    }

    // ------------------------------------------------------------------ hosts

    @Test
    void wildcardDomainAcceptsLeadingWildcardLabelsOnly() {
        assertThat(run(ctx -> {
            CommonRules.wildcardDomain("*", "spec.a", ctx);
            CommonRules.wildcardDomain("*.example.com", "spec.b", ctx);
            CommonRules.wildcardDomain("*-svc.example.com", "spec.c", ctx);
            CommonRules.wildcardDomain("reviews", "spec.d", ctx);
            CommonRules.wildcardDomain("istio.io.", "spec.e", ctx);
        })).isEmpty();
        assertThat(run(ctx -> {
            CommonRules.wildcardDomain("foo.*.com", "spec.a", ctx);
            CommonRules.wildcardDomain("f*o.com", "spec.b", ctx);
            CommonRules.wildcardDomain("**.com", "spec.c", ctx);
        })).containsExactly(
                "spec.a: domain name \"foo.*.com\" invalid (label \"*\" invalid)",
                "spec.b: domain name \"f*o.com\" invalid (label \"f*o\" invalid)",
                "spec.c: domain name \"**.com\" invalid (label \"**\" invalid)");
    }

    @Test
    void domainLengthAndEmptinessAreChecked() {
        String longName = ("a".repeat(60) + ".").repeat(4) + "com"; // 247 characters
        String tooLong = ("a".repeat(63) + ".").repeat(4) + "com"; // 259 characters
        assertThat(run(ctx -> {
            CommonRules.wildcardDomain(longName, "spec.a", ctx);
            CommonRules.wildcardDomain(tooLong, "spec.b", ctx);
            CommonRules.wildcardDomain("", "spec.c", ctx);
            CommonRules.fqdn(null, "spec.d", ctx);
            CommonRules.wildcardDomain("a".repeat(64) + ".com", "spec.e", ctx);
        })).containsExactly(
                "spec.b: domain name \"" + tooLong + "\" too long (max 255)",
                "spec.c: empty domain name not allowed",
                "spec.d: empty domain name not allowed",
                "spec.e: domain name \"" + "a".repeat(64) + ".com\" invalid (label \"" + "a".repeat(64)
                        + "\" invalid)");
    }

    @Test
    void allNumericTopLevelDomainIsRejected() {
        assertThat(run(ctx -> {
            CommonRules.fqdn("1.2.3.4", "spec.a", ctx);
            CommonRules.wildcardDomain("*.123", "spec.b", ctx);
            CommonRules.fqdn("foo.3com", "spec.c", ctx);
        })).containsExactly(
                "spec.a: domain name \"1.2.3.4\" invalid (top level domain \"4\" cannot be all-numeric)",
                "spec.b: domain name \"*.123\" invalid (top level domain \"123\" cannot be all-numeric)");
    }

    @Test
    void fqdnRejectsWildcards() {
        assertThat(run(ctx -> {
            CommonRules.fqdn("*.example.com", "spec.a", ctx);
            CommonRules.fqdn("api.example.com", "spec.b", ctx);
        })).containsExactly("spec.a: domain name \"*.example.com\" invalid (label \"*\" invalid)");
    }

    @Test
    void partialWildcardsAreDetected() {
        assertThat(CommonRules.isPartialWildcard("*")).isFalse();
        assertThat(CommonRules.isPartialWildcard("*.example.com")).isFalse();
        assertThat(CommonRules.isPartialWildcard("*-svc.example.com")).isTrue();
        assertThat(CommonRules.isPartialWildcard("example.com")).isFalse();
    }

    @Test
    void sidecarHostsNeedNamespaceSlashDnsName() {
        assertThat(run(ctx -> {
            CommonRules.namespacedHost("*/*", "spec.a", ctx, false);
            CommonRules.namespacedHost("./*", "spec.b", ctx, false);
            CommonRules.namespacedHost("istio-system/*.example.com", "spec.c", ctx, false);
            CommonRules.namespacedHost("~/*", "spec.d", ctx, false);
            CommonRules.namespacedHost("~prod/reviews.prod.svc.cluster.local", "spec.e", ctx, false);
        })).isEmpty();
        assertThat(run(ctx -> {
            CommonRules.namespacedHost("reviews.default.svc.cluster.local", "spec.a", ctx, false);
            CommonRules.namespacedHost("ns_1/*", "spec.b", ctx, false);
            CommonRules.namespacedHost("default/reviews", "spec.c", ctx, false);
            CommonRules.namespacedHost("default/", "spec.d", ctx, false);
            CommonRules.namespacedHost("default/foo.*.com", "spec.e", ctx, false);
            CommonRules.namespacedHost("default/10.0.0.1", "spec.f", ctx, false);
        })).containsExactly(
                "spec.a: host must be of form namespace/dnsName",
                "spec.b: invalid namespace value \"ns_1\" in sidecar",
                "spec.c: short names (non FQDN) are not allowed",
                "spec.d: config namespace and dnsName in host entry cannot be empty",
                "spec.e: domain name \"foo.*.com\" invalid (label \"*\" invalid)",
                "spec.e: partial wildcard \"foo.*.com\" not allowed",
                "spec.f: domain name \"10.0.0.1\" invalid (top level domain \"1\" cannot be all-numeric)");
    }

    @Test
    void gatewayHostsAllowOldFormIpAddressesButNotTildeNamespace() {
        assertThat(run(ctx -> {
            CommonRules.namespacedHost("bookinfo.example.com", "spec.a", ctx, true);
            CommonRules.namespacedHost("prod/10.0.0.1", "spec.b", ctx, true);
            CommonRules.namespacedHost("*", "spec.c", ctx, true);
        })).isEmpty();
        assertThat(run(ctx -> {
            CommonRules.namespacedHost("~/foo.example.com", "spec.a", ctx, true);
            CommonRules.namespacedHost("bookinfo", "spec.b", ctx, true);
        })).containsExactly(
                "spec.a: invalid namespace value \"~\" in gateway",
                "spec.b: short names (non FQDN) are not allowed");
    }

    // ------------------------------------------------------------------ addresses

    @Test
    void ipAddressesAreParsedStrictlyLikeGo() {
        for (String ok : List.of("10.0.0.1", "0.0.0.0", "255.255.255.255", "::", "::1", "2001:db8::1",
                "fe80::1%eth0", "::ffff:10.0.0.1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4")) {
            assertThat(CommonRules.isIpAddress(ok)).as(ok).isTrue();
        }
        for (String bad : List.of("", "10.0.0", "10.0.0.256", "10.00.0.1", "1.2.3.4.5", "example.com", ":::",
                "1:2:3:4:5:6:7:8:9", "1::2::3", "1:2:3:4:5:6:7::8", "fe80::1%", "12345::", "1.2.3.4:80", "::g",
                "\u0967.2.3.4", "::\uff11", "10.0.0.1%eth0")) {
            assertThat(CommonRules.isIpAddress(bad)).as(bad).isFalse();
        }
    }

    @Test
    void ipSubnetAcceptsAddressesAndCidrBlocks() {
        assertThat(run(ctx -> {
            CommonRules.ipSubnet("10.0.0.0/8", "spec.a", ctx);
            CommonRules.ipSubnet("2001:db8::/32", "spec.b", ctx);
            CommonRules.ipSubnet("10.1.2.3", "spec.c", ctx);
        })).isEmpty();
        assertThat(run(ctx -> {
            CommonRules.ipSubnet("10.0.0.0/33", "spec.a", ctx);
            CommonRules.ipSubnet("10.0.0.0/08", "spec.b", ctx);
            CommonRules.ipSubnet("fe80::%eth0/64", "spec.c", ctx);
            CommonRules.ipSubnet("example.com", "spec.d", ctx);
            CommonRules.ipSubnet("1.2.3.4/8/9", "spec.e", ctx);
        })).containsExactly(
                "spec.a: 10.0.0.0/33 is not a valid CIDR block",
                "spec.b: 10.0.0.0/08 is not a valid CIDR block",
                "spec.c: fe80::%eth0/64 is not a valid CIDR block",
                "spec.d: example.com is not a valid IP",
                "spec.e: 1.2.3.4/8/9 is not a valid IP");
    }

    @Test
    void unixAddressMustBeAnAbsoluteFilePathOrAbstract() {
        assertThat(run(ctx -> {
            CommonRules.unixAddress("/var/run/app.sock", "spec.a", ctx);
            CommonRules.unixAddress("@abstract", "spec.b", ctx);
            CommonRules.unixAddress("relative.sock", "spec.c", ctx);
            CommonRules.unixAddress("/var/run/", "spec.d", ctx);
            CommonRules.unixAddress("", "spec.e", ctx);
        })).containsExactly(
                "spec.c: relative.sock is not an absolute path to a file",
                "spec.d: /var/run/ is not an absolute path to a file",
                "spec.e: unix address must not be empty");
    }

    // ------------------------------------------------------------------ exportTo

    @Test
    void exportToAcceptsDotStarAndNamespaces() {
        assertThat(run(ctx -> {
            CommonRules.exportTo(List.of("."), "spec.a", ctx, false);
            CommonRules.exportTo(List.of("*"), "spec.b", ctx, false);
            CommonRules.exportTo(List.of(".", "istio-system"), "spec.c", ctx, false);
            CommonRules.exportTo(List.of("~"), "spec.d", ctx, true);
            CommonRules.exportTo(List.of(), "spec.e", ctx, false);
        })).isEmpty();
    }

    @Test
    void exportToNoneIsOnlyForServiceEntries() {
        assertThat(run(ctx -> CommonRules.exportTo(List.of("~"), "spec.exportTo", ctx, false)))
                .containsExactly("spec.exportTo[0]: exportTo ~ (none) is not allowed for Istio configuration objects");
    }

    @Test
    void exportToRejectsDuplicatesIncludingDotAndOwnNamespace() {
        assertThat(run(ctx -> CommonRules.exportTo(List.of("a", "a"), "spec.exportTo", ctx, false)))
                .containsExactly("spec.exportTo[1]: duplicate entries in exportTo for entry a");
        // Istio's wording depends on which of the two spellings comes second.
        assertThat(run(ctx -> CommonRules.exportTo(List.of(".", "default"), "spec.exportTo", ctx, false)))
                .containsExactly("spec.exportTo[1]: duplicate entries in exportTo for entry default");
        assertThat(run(ctx -> CommonRules.exportTo(List.of("default", "."), "spec.exportTo", ctx, false)))
                .containsExactly("spec.exportTo[1]: duplicate entries in exportTo: . and current namespace default");
    }

    @Test
    void exportToRejectsMixingStarOrTildeWithOthers() {
        assertThat(run(ctx -> CommonRules.exportTo(List.of("*", "ns1"), "spec.exportTo", ctx, false)))
                .containsExactly("spec.exportTo: cannot have both public (*) and non-public exportTo values for a"
                        + " resource");
        assertThat(run(ctx -> CommonRules.exportTo(List.of("~", "ns1"), "spec.exportTo", ctx, true)))
                .containsExactly("spec.exportTo: cannot export service entry to no one (~) and someone");
    }

    @Test
    void exportToRejectsInvalidNamespaceNames() {
        assertThat(run(ctx -> CommonRules.exportTo(List.of("ns_1"), "spec.exportTo", ctx, false)))
                .containsExactly("spec.exportTo[0]: only .,*, or a valid DNS 1123 label is allowed as exportTo entry");
    }

    @Test
    void destinationRuleWithSelectorIsExportedOnlyToItsNamespace() {
        assertThat(run(ctx -> CommonRules.exportTo(List.of("."), "spec.exportTo", ctx, false, true))).isEmpty();
        assertThat(run(ctx -> CommonRules.exportTo(List.of("other"), "spec.exportTo", ctx, false, true)))
                .containsExactly("spec.exportTo: destination rule with workload selector cannot have exportTo beyond"
                        + " current namespace");
        assertThat(run(ctx -> CommonRules.exportTo(List.of(".", "other"), "spec.exportTo", ctx, false, true)))
                .containsExactly("spec.exportTo: destination rule with workload selector cannot have multiple"
                        + " entries in exportTo");
    }

    // ------------------------------------------------------------------ labels and selectors

    @Test
    void labelKeysAndValuesFollowKubernetesSyntax() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app", "reviews");
        labels.put("app.kubernetes.io/name", "reviews");
        labels.put("version", "");
        labels.put("bad key", "v1");
        labels.put("track", "-canary");
        labels.put("a".repeat(64), "x");
        labels.put("a".repeat(254) + "/n", "x");
        assertThat(run(ctx -> CommonRules.labels(labels, "spec.subsets[0].labels", ctx))).containsExactly(
                "spec.subsets[0].labels.bad key: invalid tag key: \"bad key\"",
                "spec.subsets[0].labels.track: invalid tag value: \"-canary\"",
                "spec.subsets[0].labels." + "a".repeat(64) + ": invalid tag key: \"" + "a".repeat(64)
                        + "\" (name is too long)",
                "spec.subsets[0].labels." + "a".repeat(254) + "/n: invalid tag key: \"" + "a".repeat(254)
                        + "/n\" (DNS prefix is too long)");
    }

    @Test
    void workloadSelectorRejectsEmptyKeysAndWildcards() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("", "x");
        labels.put("app", "rev*");
        assertThat(run(ctx -> CommonRules.workloadSelector(labels, "spec.workloadSelector.labels", ctx, null)))
                .containsExactly(
                        "spec.workloadSelector.labels.: empty key is not supported in selector: \"=x\"",
                        "spec.workloadSelector.labels.app: wildcard is not supported in selector: \"app=rev*\"");
    }

    @Test
    void workloadSelectorWithoutLabelsIsAWarning() {
        assertThat(run(ctx -> CommonRules.workloadSelector(Map.of(), "spec.workloadSelector.labels", ctx,
                "will be applied to all services in namespace"))).containsExactly(
                "warning: spec.workloadSelector.labels: workload selector specified without labels, will be applied"
                        + " to all services in namespace");
    }

    // ------------------------------------------------------------------ primes

    @Test
    void isPrimeMatchesTrialDivisionOnSeededRandomInputs() {
        long seed = 20240611L;
        Random random = new Random(seed);
        for (int i = 0; i < 2_000; i++) {
            long x = random.nextInt(5_000_011);
            assertThat(CommonRules.isPrime(x)).as("seed %d input %d", seed, x).isEqualTo(slowIsPrime(x));
        }
    }

    @Test
    void isPrimeEdgeCasesFollowEnvoy() {
        assertThat(CommonRules.isPrime(0)).isFalse();
        assertThat(CommonRules.isPrime(1)).isTrue(); // Envoy's test treats 1 as prime; Istio copies it
        assertThat(CommonRules.isPrime(2)).isTrue();
        assertThat(CommonRules.isPrime(65537)).isTrue();
        assertThat(CommonRules.isPrime(65536)).isFalse();
        assertThat(CommonRules.isPrime(5_000_011)).isTrue();
        assertThat(CommonRules.isPrime(9)).isFalse();
    }

    private static boolean slowIsPrime(long x) {
        if (x == 1) {
            return true;
        }
        if (x < 2) {
            return false;
        }
        for (long f = 2; f * f <= x; f++) {
            if (x % f == 0) {
                return false;
            }
        }
        return true;
    }

    @Test
    void quoteEscapesLikeGo() {
        assertThat(CommonRules.quote("a\"b\\c\n")).isEqualTo("\"a\\\"b\\\\c\\n\"");
    }
}
