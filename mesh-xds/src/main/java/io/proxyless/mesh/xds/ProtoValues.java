package io.proxyless.mesh.xds;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.proxyless.mesh.api.Headers;
import io.proxyless.mesh.api.StringMatch;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Conversions of small Envoy value types (durations, percentages, matchers, header operations) to Istio's. */
final class ProtoValues {
    private static final String REGEX_META = "\\.+*?()|[]{}^$";

    private ProtoValues() {
    }

    static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    /** A FractionalPercent as a percentage in [0, 100]. */
    static double percent(FractionalPercent p) {
        double denominator = switch (p.getDenominator()) {
            case TEN_THOUSAND -> 10_000;
            case MILLION -> 1_000_000;
            default -> 100;
        };
        return Math.min(100.0, p.getNumerator() * 100.0 / denominator);
    }

    /**
     * Checks an RE2 regex as Envoy would (Envoy compiles {@code safe_regex} with RE2): an invalid one is an
     * error, which NACKs the resource. Returns the regex.
     */
    static String regex(RegexMatcher m, String path, Findings f) {
        String regex = m.getRegex();
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            f.error(path, "invalid regex \"" + regex + "\": " + e.getMessage());
        }
        return regex;
    }

    /** {@code text} as an RE2 regex matching exactly it. */
    static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (REGEX_META.indexOf(c) >= 0) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    /**
     * An Envoy StringMatcher as an Istio StringMatch. Istio has only exact, prefix and regex; suffix, contains
     * and {@code ignore_case} become equivalent RE2 regexes (Istio's matches are full matches, like Envoy's).
     * Returns null (with an error) when it cannot be expressed.
     */
    static StringMatch stringMatch(StringMatcher m, String path, Findings f) {
        boolean icase = m.getIgnoreCase();
        String ci = icase ? "(?i)" : "";
        switch (m.getMatchPatternCase()) {
            case EXACT:
                return icase ? StringMatch.regex(ci + quote(m.getExact())) : StringMatch.exact(m.getExact());
            case PREFIX:
                return icase ? StringMatch.regex(ci + quote(m.getPrefix()) + ".*") : StringMatch.prefix(m.getPrefix());
            case SUFFIX:
                return StringMatch.regex(ci + ".*" + quote(m.getSuffix()));
            case CONTAINS:
                return StringMatch.regex(ci + ".*" + quote(m.getContains()) + ".*");
            case SAFE_REGEX:
                String regex = regex(m.getSafeRegex(), Findings.join(path, "safe_regex"), f);
                return StringMatch.regex(icase ? ci + "(?:" + regex + ")" : regex);
            default:
                f.error(path, "string matcher " + m.getMatchPatternCase() + " is not supported");
                return null;
        }
    }

    /**
     * Envoy header additions and removals as Istio header operations. {@code OVERWRITE_IF_EXISTS_OR_ADD} (and
     * the deprecated {@code append: false}) is Istio's {@code set}; {@code APPEND_IF_EXISTS_OR_ADD}, Envoy's
     * default, is {@code add}.
     */
    static Headers.HeaderOperations headerOperations(List<HeaderValueOption> add, List<String> remove, String path,
                                                     String addField, Findings f) {
        if (add.isEmpty() && remove.isEmpty()) {
            return null;
        }
        Map<String, String> set = new LinkedHashMap<>();
        Map<String, String> append = new LinkedHashMap<>();
        for (int i = 0; i < add.size(); i++) {
            HeaderValueOption o = add.get(i);
            String p = Findings.join(path, addField + "[" + i + "]");
            String key = o.getHeader().getKey().toLowerCase(java.util.Locale.ROOT);
            String value = o.getHeader().getRawValue().isEmpty() ? o.getHeader().getValue()
                    : o.getHeader().getRawValue().toStringUtf8();
            if (value.contains("%")) {
                f.warn(p + ".header.value", "Envoy command operators (%...%) are not expanded; sent literally");
            }
            boolean overwrite;
            if (o.hasAppend()) {
                overwrite = !o.getAppend().getValue();
            } else {
                switch (o.getAppendAction()) {
                    case OVERWRITE_IF_EXISTS_OR_ADD -> overwrite = true;
                    case APPEND_IF_EXISTS_OR_ADD -> overwrite = false;
                    default -> {
                        f.warn(p + ".append_action", o.getAppendAction() + " is not supported; treated as"
                                + " OVERWRITE_IF_EXISTS_OR_ADD (Istio's set)");
                        overwrite = true;
                    }
                }
            }
            (overwrite ? set : append).put(key, value);
        }
        return new Headers.HeaderOperations(set, append, remove);
    }

    /** {@code region/zone/subzone} with trailing empty parts dropped ({@code us-east/a}); empty when unset. */
    static String locality(io.envoyproxy.envoy.config.core.v3.Locality l) {
        String s = l.getRegion() + "/" + l.getZone() + "/" + l.getSubZone();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    static int clampToInt(long value) {
        return value > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) value;
    }
}
