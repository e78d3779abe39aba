package io.proxyless.mesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The hand-written name tests accept exactly what the regexes they replaced accept, checked on chosen edge cases and
 * on seeded random strings over the characters that matter (letters of both cases, digits, '-', '.', '*', '+', '_').
 */
class DnsNamesTest {
    private static final String LABEL = "[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?";
    private static final Pattern OBJECT_NAME =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern NAMESPACE_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1123_LABEL = Pattern.compile(LABEL);
    private static final Pattern WILDCARD_LABEL = Pattern.compile("\\*|(?:\\*|\\*-)?" + LABEL);
    private static final Pattern SIGNED_DECIMAL = Pattern.compile("[+-]?[0-9]+");
    private static final String CHARS = "abzAZ09-.*+_é";

    @Test
    void edgeCases() {
        for (String s : new String[] {"", "a", "-", ".", "a.", ".a", "a..b", "a-b", "a--b", "-a", "a-", "A", "a.B",
                "1.2.3", "*", "*-", "*a", "*-a", "*--a", "**", "a*", "+", "-", "+1", "-1", "1+", "007", "+-1"}) {
            agree(s);
        }
    }

    @Test
    void randomStrings() {
        Random random = new Random(17);
        for (int i = 0; i < 200_000; i++) {
            int length = random.nextInt(9);
            StringBuilder b = new StringBuilder(length);
            for (int j = 0; j < length; j++) {
                b.append(CHARS.charAt(random.nextInt(CHARS.length())));
            }
            agree(b.toString());
        }
    }

    @Test
    void namesOfOrdinaryResources() {
        assertThat(DnsNames.isLowerCaseSubdomain("reviews.default.svc.cluster.local")).isTrue();
        assertThat(DnsNames.isLowerCaseSubdomain("Reviews")).isFalse();
        assertThat(DnsNames.isLowerCaseLabel("default")).isTrue();
        assertThat(DnsNames.isLowerCaseLabel("my.namespace")).isFalse();
    }

    private static void agree(String s) {
        assertThat(DnsNames.isLowerCaseSubdomain(s)).as("object name %s", s)
                .isEqualTo(OBJECT_NAME.matcher(s).matches());
        assertThat(DnsNames.isLowerCaseLabel(s)).as("namespace %s", s).isEqualTo(NAMESPACE_NAME.matcher(s).matches());
        assertThat(DnsNames.isLabel(s, 0, s.length(), true)).as("label %s", s)
                .isEqualTo(DNS1123_LABEL.matcher(s).matches());
        assertThat(CommonRules.isWildcardLabel(s)).as("wildcard label %s", s)
                .isEqualTo(WILDCARD_LABEL.matcher(s).matches());
        assertThat(CommonRules.isSignedDecimal(s)).as("decimal %s", s).isEqualTo(SIGNED_DECIMAL.matcher(s).matches());
    }
}
