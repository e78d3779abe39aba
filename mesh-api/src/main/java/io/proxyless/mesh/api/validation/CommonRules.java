package io.proxyless.mesh.api.validation;

import com.google.common.math.LongMath;
import io.proxyless.mesh.api.Destination;
import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.StringMatch;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Field-level rules shared by the per-kind validators, ported from Istio's {@code pkg/config/validation} (and its
 * {@code agent} and {@code labels} helpers). Each rule takes the value, the field path it sits at (relative to the
 * resource root, e.g. {@code spec.subsets[1].name}) and the context to report to; most also return whether the
 * value passed, so callers can skip checks that would only repeat the problem.
 *
 * <p>Messages use Istio's wording where Istio has one. Where our model can tell "unset" from "zero" and Istio's
 * proto3 model cannot, a missing required value is reported as such ("... is required") rather than with
 * Istio's message about the zero value.
 */
final class CommonRules {
    /** Longest regex Istio accepts: a stand-in for Envoy's RE2 program size limit. */
    static final int MAX_REGEX_LENGTH = 1024;

    /** Maglev table sizes must stay below this (Envoy's limit). */
    static final long MAGLEV_TABLE_SIZE_LIMIT = 5_000_011L;

    static final int DNS1123_LABEL_MAX_LENGTH = 63;
    private static final int DOMAIN_MAX_LENGTH = 255;
    private static final int LABEL_KEY_PREFIX_MAX_LENGTH = 253;

    private static final String DNS1123_LABEL = "[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?";
    private static final String QUALIFIED_NAME = "(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    // Kubernetes label keys: optional DNS-subdomain prefix and "/", then a qualified name.
    private static final Pattern LABEL_KEY_RE = Pattern.compile(
            "(" + DNS1123_LABEL + "(?:\\." + DNS1123_LABEL + ")*/)?(" + QUALIFIED_NAME + ")");
    private static final Pattern LABEL_VALUE_RE = Pattern.compile("(?:" + QUALIFIED_NAME + ")?");

    private static final Duration ONE_MS = Duration.ofMillis(1);

    private CommonRules() {
    }

    // ---------------------------------------------------------------- durations and percentages

    /**
     * An Istio duration: at least 1 ms and a whole number of milliseconds (Envoy's timers have ms resolution).
     * Null (unset) passes.
     */
    static boolean duration(Duration d, String path, ValidationContext ctx) {
        if (d == null) {
            return true;
        }
        if (d.compareTo(ONE_MS) < 0) {
            ctx.error(path, "duration must be greater than 1ms");
            return false;
        }
        if (d.getNano() % 1_000_000 != 0) {
            ctx.error(path, "only durations to ms precision are supported");
            return false;
        }
        return true;
    }

    /**
     * The value of an Istio {@code Percent}: 0, or within [0.0001, 100] (Envoy's finest fraction is a
     * millionth). Null passes. NaN is rejected as well, which Istio's comparisons let through by accident.
     */
    static boolean percentage(Double value, String path, ValidationContext ctx) {
        if (value == null) {
            return true;
        }
        double v = value;
        if (Double.isNaN(v) || v < 0.0 || v > 100.0 || (v > 0.0 && v < 0.0001)) {
            ctx.error(path, "percentage " + goFloat(v) + " is neither 0.0, nor in range [0.0001, 100.0]");
            return false;
        }
        return true;
    }

    /** An integer percentage such as {@code maxEjectionPercent}: 0..100. Null passes. */
    static boolean intPercent(Integer value, String path, ValidationContext ctx) {
        if (value != null && (value < 0 || value > 100)) {
            ctx.error(path, "percentage " + value + " is not in range 0..100");
            return false;
        }
        return true;
    }

    /** A count that must not be negative; {@code what} names it as Istio does ("max retries"). */
    static boolean nonNegative(Number value, String what, String path, ValidationContext ctx) {
        if (value != null && value.longValue() < 0) {
            ctx.error(path, what + " must be non-negative");
            return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- string matches and regexes

    /**
     * A {@link StringMatch}: at most one of exact/prefix/regex, a non-empty prefix, a non-empty valid RE2 regex.
     * {@code emptyAllowed} says whether {@code {}} (no alternative) is acceptable; for header and query
     * parameter matches it means "present". Null (unset) passes.
     *
     * <p>Istio itself accepts {@code {}} for every StringMatch (it becomes a presence match); callers that pass
     * {@code emptyAllowed = false} are stricter than Istio on purpose.
     */
    static boolean stringMatch(StringMatch m, String path, ValidationContext ctx, boolean emptyAllowed) {
        if (m == null) {
            return true;
        }
        if (!oneAlternative(m, path, ctx, emptyAllowed)) {
            return false;
        }
        if (m.prefix() != null && m.prefix().isEmpty()) {
            ctx.error(path + ".prefix", "prefix string match should not be empty");
            return false;
        }
        if (m.regex() != null) {
            return regex(m.regex(), path + ".regex", ctx);
        }
        return true;
    }

    /**
     * A URI match: like {@link #stringMatch} with {@code {}} allowed, except that an empty prefix is fine too
     * (Envoy accepts it for paths, meaning "every path").
     */
    static boolean uriMatch(StringMatch m, String path, ValidationContext ctx) {
        if (m == null) {
            return true;
        }
        if (!oneAlternative(m, path, ctx, true)) {
            return false;
        }
        return m.regex() == null || regex(m.regex(), path + ".regex", ctx);
    }

    /**
     * A {@code withoutHeaders} entry. There {@code regex: "*"} is not a regex but Istio's spelling of "header
     * present" (so the route applies when the header is absent) and is accepted as such. In {@code headers}
     * Istio has no such exception: {@code regex: "*"} fails RE2 compilation there.
     */
    static boolean withoutHeaderMatch(StringMatch m, String path, ValidationContext ctx) {
        if (isPresenceRegex(m)) {
            return true;
        }
        return stringMatch(m, path, ctx, true);
    }

    /** True for {@code {regex: "*"}}, Istio's legacy spelling of a presence match in {@code withoutHeaders}. */
    static boolean isPresenceRegex(StringMatch m) {
        return m != null && "*".equals(m.regex()) && m.exact() == null && m.prefix() == null;
    }

    private static boolean oneAlternative(StringMatch m, String path, ValidationContext ctx, boolean emptyAllowed) {
        int set = (m.exact() != null ? 1 : 0) + (m.prefix() != null ? 1 : 0) + (m.regex() != null ? 1 : 0);
        if (set > 1) {
            ctx.error(path, "only one of exact, prefix or regex may be set");
            return false;
        }
        if (set == 0 && !emptyAllowed) {
            ctx.error(path, "one of exact, prefix or regex is required");
            return false;
        }
        return true;
    }

    /** A regex as Envoy will run it: non-empty, at most 1024 bytes, valid RE2 syntax. */
    static boolean regex(String re, String path, ValidationContext ctx) {
        if (re == null) {
            return true;
        }
        if (re.isEmpty()) {
            ctx.error(path, "regex string match should not be empty");
            return false;
        }
        if (re.getBytes(StandardCharsets.UTF_8).length > MAX_REGEX_LENGTH) {
            ctx.error(path, "regex is too large, max length allowed is " + MAX_REGEX_LENGTH);
            return false;
        }
        try {
            com.google.re2j.Pattern.compile(re);
            return true;
        } catch (com.google.re2j.PatternSyntaxException e) {
            ctx.error(path, e.getMessage()
                    + "; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)");
            return false;
        }
    }

    // ---------------------------------------------------------------- ports and protocols

    /** A port number, 1..65535. Null means the port was left out where one is required. */
    static boolean portNumber(Integer port, String path, ValidationContext ctx) {
        if (port == null) {
            ctx.error(path, "port number is required");
            return false;
        }
        if (port < 1 || port > 65535) {
            ctx.error(path, "port number " + port + " must be in the range 1..65535");
            return false;
        }
        return true;
    }

    /** A port name: a DNS-1123 label. Null or empty means it was left out where one is required. */
    static boolean portName(String name, String path, ValidationContext ctx) {
        if (name == null || name.isEmpty()) {
            ctx.error(path, "port name is required");
            return false;
        }
        if (!isDns1123Label(name)) {
            ctx.error(path, "invalid port name: " + name);
            return false;
        }
        return true;
    }

    /** A port protocol Istio knows (case-insensitive); empty or unset means "detect" and passes. */
    static boolean protocol(String protocol, String path, ValidationContext ctx) {
        if (protocol != null && !protocol.isEmpty() && PortProtocol.parse(protocol) == PortProtocol.UNSUPPORTED) {
            ctx.error(path, "unsupported protocol: " + protocol);
            return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- names and hosts

    /** Istio's DNS-1123 label test: 1..63 letters, digits and '-', starting and ending alphanumeric. */
    static boolean isDns1123Label(String value) {
        return value != null && value.length() <= DNS1123_LABEL_MAX_LENGTH
                && DnsNames.isLabel(value, 0, value.length(), true);
    }

    /** A value that must be a DNS-1123 label (e.g. a namespace name). */
    static boolean dns1123Label(String value, String path, ValidationContext ctx) {
        if (!isDns1123Label(value)) {
            ctx.error(path, quote(value == null ? "" : value)
                    + " is not a valid DNS-1123 label (at most 63 letters, digits or '-', starting and ending"
                    + " with a letter or digit)");
            return false;
        }
        return true;
    }

    /** A subset name, as used in DestinationRule subsets and route destinations. */
    static boolean subsetName(String name, String path, ValidationContext ctx) {
        if (name == null || name.isEmpty()) {
            ctx.error(path, "subset name cannot be empty");
            return false;
        }
        if (!isDns1123Label(name)) {
            ctx.error(path, "subset name is invalid: " + name);
            return false;
        }
        return true;
    }

    /**
     * A host name that may start with a wildcard label ({@code *}, {@code *.example.com},
     * {@code *-suffix.example.com}); every other label must be a DNS-1123 label. Istio's ValidateWildcardDomain.
     */
    static boolean wildcardDomain(String domain, String path, ValidationContext ctx) {
        String problem = wildcardDomainProblem(domain);
        if (problem != null) {
            ctx.error(path, problem);
            return false;
        }
        return true;
    }

    /** A fully qualified name without wildcards (an optional trailing dot is fine). Istio's ValidateFQDN. */
    static boolean fqdn(String name, String path, ValidationContext ctx) {
        String problem = fqdnProblem(name);
        if (problem != null) {
            ctx.error(path, problem);
            return false;
        }
        return true;
    }

    static String wildcardDomainProblem(String domain) {
        String problem = domainPreconditions(domain);
        if (problem != null) {
            return problem;
        }
        int dot = domain.indexOf('.');
        String first = dot < 0 ? domain : domain.substring(0, dot);
        if (first.length() > DNS1123_LABEL_MAX_LENGTH || !isWildcardLabel(first)) {
            return "domain name " + quote(domain) + " invalid (label " + quote(first) + " invalid)";
        }
        return dot < 0 ? null : labelsProblem(domain, domain.substring(dot + 1));
    }

    /** {@code \*|(?:\*|\*-)?} and a DNS-1123 label: a first label that may be or begin with a wildcard. */
    static boolean isWildcardLabel(String label) {
        if (label.equals("*")) {
            return true;
        }
        // After "*-" the label itself cannot start with '-', so "*" and a label starting with '-' never matches.
        int from = label.startsWith("*-") ? 2 : label.startsWith("*") ? 1 : 0;
        return DnsNames.isLabel(label, from, label.length(), true);
    }

    static String fqdnProblem(String name) {
        String problem = domainPreconditions(name);
        return problem != null ? problem : labelsProblem(name, name);
    }

    private static String domainPreconditions(String domain) {
        if (domain == null || domain.isEmpty()) {
            return "empty domain name not allowed";
        }
        if (domain.length() > DOMAIN_MAX_LENGTH) {
            return "domain name " + quote(domain) + " too long (max " + DOMAIN_MAX_LENGTH + ")";
        }
        return null;
    }

    /** Checks the labels of {@code labels} (a suffix of {@code domain}, which is what messages name). */
    private static String labelsProblem(String domain, String labels) {
        String[] parts = labels.split("\\.", -1);
        String tld = parts[parts.length - 1];
        if (isGoInteger(tld)) {
            return "domain name " + quote(domain) + " invalid (top level domain " + quote(tld)
                    + " cannot be all-numeric)";
        }
        for (int i = 0; i < parts.length; i++) {
            // A trailing dot makes an absolute name (istio.io.), which is fine.
            if (i == parts.length - 1 && parts[i].isEmpty()) {
                return null;
            }
            if (!isDns1123Label(parts[i])) {
                return "domain name " + quote(domain) + " invalid (label " + quote(parts[i]) + " invalid)";
            }
        }
        return null;
    }

    /**
     * {@code [+-]?[0-9]+}, tested character by character (a regex allocated a matcher per retryOn token and per
     * top-level domain).
     */
    static boolean isSignedDecimal(String s) {
        int i = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-') ? 1 : 0;
        if (i == s.length()) {
            return false;
        }
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** What Go's strconv.Atoi accepts: an optionally signed decimal that fits in 64 bits. */
    private static boolean isGoInteger(String s) {
        if (!isSignedDecimal(s)) {
            return false;
        }
        try {
            Long.parseLong(s.startsWith("+") ? s.substring(1) : s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** True when a host has a {@code *} anywhere but as the whole name or a leading {@code *.} label. */
    static boolean isPartialWildcard(String host) {
        return host.contains("*") && host.length() != 1 && !host.startsWith("*.");
    }

    /**
     * A Sidecar egress host or Gateway server host of the form {@code namespace/dnsName}. Sidecar namespaces
     * may be {@code *}, {@code .}, a namespace name, or {@code ~}-prefixed to exclude one; Gateway namespaces
     * are {@code *}, {@code .} or a name, and Gateways also accept the old form without a namespace and IP
     * addresses as the name. The name must be {@code *} or a dotted name whose only wildcard is a leading
     * {@code *.}.
     */
    static boolean namespacedHost(String host, String path, ValidationContext ctx, boolean gateway) {
        if (host == null) {
            host = "";
        }
        int slash = host.indexOf('/');
        if (slash < 0) {
            if (gateway) {
                return hostnamePart(host, path, ctx, true);
            }
            ctx.error(path, "host must be of form namespace/dnsName");
            return false;
        }
        String ns = host.substring(0, slash);
        String name = host.substring(slash + 1);
        boolean ok = true;
        if (ns.isEmpty() || name.isEmpty()) {
            ctx.error(path, "config namespace and dnsName in host entry cannot be empty");
            ok = false;
        }
        if (!gateway) {
            String bare = ns.startsWith("~") ? ns.substring(1) : ns;
            if (!bare.isEmpty() && !bare.equals("*") && !bare.equals(".") && !isDns1123Label(bare)) {
                ctx.error(path, "invalid namespace value " + quote(ns) + " in sidecar");
                ok = false;
            }
        } else if (!ns.isEmpty() && !ns.equals("*") && !ns.equals(".") && !isDns1123Label(ns)) {
            ctx.error(path, "invalid namespace value " + quote(ns) + " in gateway");
            ok = false;
        }
        // An empty name is already reported above; its hostname checks would only repeat that.
        if (!name.isEmpty()) {
            ok &= hostnamePart(name, path, ctx, gateway);
        }
        return ok;
    }

    private static boolean hostnamePart(String name, String path, ValidationContext ctx, boolean gateway) {
        boolean ok = true;
        if (!name.equals("*") && !name.contains(".")) {
            ctx.error(path, "short names (non FQDN) are not allowed");
            ok = false;
        }
        String problem = wildcardDomainProblem(name);
        if (problem != null && !(gateway && IpAddresses.isIpAddress(name))) {
            ctx.error(path, problem);
            ok = false;
        }
        if (isPartialWildcard(name)) {
            ctx.error(path, "partial wildcard " + quote(name) + " not allowed");
            ok = false;
        }
        return ok;
    }

    /**
     * A {@link Destination} (route destinations, mirrors, a Sidecar's egress proxy): a host other than the bare
     * {@code *} (it names one service), a valid subset name if given, a valid port number if a port is given.
     */
    static void destination(Destination d, String path, ValidationContext ctx) {
        if (d == null) {
            return;
        }
        if (d.host() == null) {
            ctx.error(path + ".host", "host is required");
        } else if (d.host().equals("*")) {
            ctx.error(path + ".host", "invalid destination host *");
        } else {
            wildcardDomain(d.host(), path + ".host", ctx);
        }
        if (d.subset() != null && !d.subset().isEmpty()) {
            subsetName(d.subset(), path + ".subset", ctx);
        }
        if (d.port() != null) {
            portNumber(d.port().number(), path + ".port.number", ctx);
        }
    }

    // ---------------------------------------------------------------- addresses

    static boolean isIpAddress(String s) {
        return IpAddresses.isIpAddress(s);
    }

    /** An IP address (v4 dotted quad or v6). */
    static boolean ipAddress(String addr, String path, ValidationContext ctx) {
        if (!IpAddresses.isIpAddress(addr)) {
            ctx.error(path, addr + " is not a valid IP");
            return false;
        }
        return true;
    }

    /** An IP address or a CIDR block ({@code 10.0.0.0/8}, {@code 2001:db8::/32}). */
    static boolean ipSubnet(String subnet, String path, ValidationContext ctx) {
        if (subnet != null && subnet.chars().filter(c -> c == '/').count() == 1) {
            if (!IpAddresses.isCidr(subnet)) {
                ctx.error(path, subnet + " is not a valid CIDR block");
                return false;
            }
            return true;
        }
        return ipAddress(subnet, path, ctx);
    }

    /** The path part of a {@code unix://} address: absolute, naming a file, or an abstract socket ({@code @x}). */
    static boolean unixAddress(String addr, String path, ValidationContext ctx) {
        if (addr == null || addr.isEmpty()) {
            ctx.error(path, "unix address must not be empty");
            return false;
        }
        if (addr.startsWith("@")) {
            return true;
        }
        if (!addr.startsWith("/") || addr.endsWith("/")) {
            ctx.error(path, addr + " is not an absolute path to a file");
            return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- visibility and selection

    /** {@link #exportTo(List, String, ValidationContext, boolean, boolean)} for a resource without a selector. */
    static void exportTo(List<String> exportTo, String path, ValidationContext ctx, boolean isServiceEntry) {
        exportTo(exportTo, path, ctx, isServiceEntry, false);
    }

    /**
     * {@code exportTo}: each entry {@code .} (own namespace), {@code *} (everyone) or a namespace name, no
     * duplicates ({@code .} and the own namespace's name count as the same), {@code *} alone. ServiceEntries may
     * also use {@code ~} (visible to no one but its own workloads), alone. A DestinationRule with a workload
     * selector may only be exported to its own namespace.
     */
    static void exportTo(List<String> exportTo, String path, ValidationContext ctx, boolean isServiceEntry,
                         boolean isDestinationRuleWithSelector) {
        if (exportTo.isEmpty()) {
            return;
        }
        String namespace = ctx.namespace();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < exportTo.size(); i++) {
            String entry = exportTo.get(i) == null ? "" : exportTo.get(i);
            String at = path + "[" + i + "]";
            // "." is the own namespace; substituting it lets "." next to the namespace's name count as a duplicate.
            String key = entry.equals(".") ? namespace : entry;
            if (seen.contains(key)) {
                if (!key.equals(entry)) {
                    ctx.error(at, "duplicate entries in exportTo: . and current namespace " + namespace);
                } else {
                    ctx.error(at, "duplicate entries in exportTo for entry " + entry);
                }
            } else if (isServiceEntry && entry.equals("~")) {
                seen.add(key);
            } else if (entry.equals(".") || entry.equals("*")) {
                seen.add(key);
            } else if (entry.equals("~")) {
                ctx.error(at, "exportTo ~ (none) is not allowed for Istio configuration objects");
            } else if (!isDns1123Label(key)) {
                ctx.error(at, "only .,*, or a valid DNS 1123 label is allowed as exportTo entry");
            } else {
                seen.add(key);
            }
        }
        if (isDestinationRuleWithSelector && !seen.isEmpty()) {
            if (!seen.contains(namespace)) {
                ctx.error(path, "destination rule with workload selector cannot have exportTo beyond current namespace");
            } else if (seen.size() > 1) {
                ctx.error(path, "destination rule with workload selector cannot have multiple entries in exportTo");
            }
        }
        if (seen.contains("*") && exportTo.size() > 1) {
            ctx.error(path, "cannot have both public (*) and non-public exportTo values for a resource");
        }
        if (seen.contains("~") && exportTo.size() > 1) {
            ctx.error(path, "cannot export service entry to no one (~) and someone");
        }
    }

    /**
     * Kubernetes label syntax for a label map (subset labels, endpoint labels, source labels): keys are an
     * optional DNS-subdomain prefix and {@code /} and a qualified name of at most 63 characters; values are
     * empty or a qualified name. Problems are reported at {@code path.KEY}.
     */
    static boolean labels(Map<String, String> labels, String path, ValidationContext ctx) {
        boolean ok = true;
        for (Map.Entry<String, String> e : labels.entrySet()) {
            String key = e.getKey() == null ? "" : e.getKey();
            String at = path + "." + key;
            String keyProblem = labelKeyProblem(key);
            if (keyProblem != null) {
                ctx.error(at, keyProblem);
                ok = false;
            }
            String value = e.getValue() == null ? "" : e.getValue();
            if (!LABEL_VALUE_RE.matcher(value).matches()) {
                ctx.error(at, "invalid tag value: " + quote(value));
                ok = false;
            }
        }
        return ok;
    }

    private static String labelKeyProblem(String key) {
        Matcher m = LABEL_KEY_RE.matcher(key);
        if (!m.matches()) {
            return "invalid tag key: " + quote(key);
        }
        String prefix = m.group(1);
        if (prefix != null && prefix.length() - 1 > LABEL_KEY_PREFIX_MAX_LENGTH) {
            return "invalid tag key: " + quote(key) + " (DNS prefix is too long)";
        }
        if (m.group(2).length() > DNS1123_LABEL_MAX_LENGTH) {
            return "invalid tag key: " + quote(key) + " (name is too long)";
        }
        return null;
    }

    /**
     * The labels of a workload selector that was given (callers skip an unset selector): no empty keys, no
     * {@code *} in keys or values (selectors match exactly). An empty label set selects every workload in the
     * namespace, which is legal but rarely meant, so it is a warning; {@code consequence}, if not null, says
     * what that means for this kind.
     *
     * @param labelsPath the path of the label map, e.g. {@code spec.workloadSelector.labels}
     */
    static void workloadSelector(Map<String, String> labels, String labelsPath, ValidationContext ctx,
                                 String consequence) {
        for (Map.Entry<String, String> e : labels.entrySet()) {
            String k = e.getKey() == null ? "" : e.getKey();
            String v = e.getValue() == null ? "" : e.getValue();
            String at = labelsPath + "." + k;
            if (k.isEmpty()) {
                ctx.error(at, "empty key is not supported in selector: " + quote(k + "=" + v));
            }
            if (k.contains("*") || v.contains("*")) {
                ctx.error(at, "wildcard is not supported in selector: " + quote(k + "=" + v));
            }
        }
        if (labels.isEmpty()) {
            ctx.warning(labelsPath, "workload selector specified without labels"
                    + (consequence == null ? "" : ", " + consequence));
        }
    }

    // ---------------------------------------------------------------- numbers

    /** Envoy's primality test for maglev table sizes: Guava's, except that 1 counts as prime as it does there. */
    static boolean isPrime(long x) {
        // The table size is unsigned in the proto; nothing below 1 is a usable size.
        return x == 1 || x > 1 && LongMath.isPrime(x);
    }

    // ---------------------------------------------------------------- HTTP header names and values
    // (Added for VirtualServiceValidator; usable by any kind that names headers.)

    // RFC 7230 token characters.
    private static final Pattern HEADER_NAME_RE = Pattern.compile("[!#$%&'*+\\-.^_`|~A-Za-z0-9]+");
    private static final Set<String> PSEUDO_HEADERS = Set.of(":method", ":scheme", ":authority", ":path", ":status");

    /**
     * A header name in a route match ({@code headers}, {@code withoutHeaders}): an RFC 7230 token, an HTTP/2
     * pseudo-header, or a JWT claim reference ({@code @request.auth.claims.sub}). Upper case is fine: header
     * names compare case-insensitively (Istio stopped requiring lower case in 1.1).
     */
    static boolean matchHeaderName(String name, String path, ValidationContext ctx) {
        if (name == null || name.isEmpty()) {
            ctx.error(path, "header name cannot be empty");
            return false;
        }
        if (isJwtClaimHeader(name) || PSEUDO_HEADERS.contains(name)) {
            return true;
        }
        if (!HEADER_NAME_RE.matcher(name).matches()) {
            ctx.error(path, "header name " + name + " is not a valid header name");
            return false;
        }
        return true;
    }

    /** True for {@code @request.auth.claims.a.b} and {@code @request.auth.claims[a][b]} (prefix case-insensitive). */
    static boolean isJwtClaimHeader(String name) {
        return HTTPMatchRequest.isJwtClaimHeader(name);
    }

    /** {@code :authority} or {@code host}, in any case: the two spellings of the request's authority. */
    static boolean isAuthorityHeader(String name) {
        return name.equalsIgnoreCase(":authority") || name.equalsIgnoreCase("host");
    }

    /**
     * A header named in a header operation. Pseudo-headers cannot be changed, and {@code host} cannot be removed
     * or set on a response; when {@code authorityAllowed} (request {@code set}/{@code add}) the authority may
     * be set under either of its names.
     */
    static boolean headerOperationName(String name, boolean authorityAllowed, String path, ValidationContext ctx) {
        if (name == null || name.isEmpty()) {
            ctx.error(path, "header name cannot be empty");
            return false;
        }
        boolean internal = name.startsWith(":") || name.equalsIgnoreCase("host");
        if (authorityAllowed) {
            if (internal && !isAuthorityHeader(name)) {
                ctx.error(path, "invalid header " + quote(name) + ": header cannot have \":\" prefix");
                return false;
            }
            return true;
        }
        if (name.equalsIgnoreCase("host")) {
            ctx.error(path, "invalid header " + quote(name) + ": cannot set Host header");
            return false;
        }
        if (internal) {
            ctx.error(path, "invalid header " + quote(name) + ": header cannot have \":\" prefix");
            return false;
        }
        return true;
    }

    /** A plain header name (no pseudo-header, no JWT claim reference): an RFC 7230 token. */
    static boolean strictHeaderName(String name, String path, ValidationContext ctx) {
        if (name == null || !HEADER_NAME_RE.matcher(name).matches()) {
            ctx.error(path, "header name " + name + " is not a valid header name");
            return false;
        }
        return true;
    }

    /** A header name in a CORS policy: {@code *} or an RFC 7230 token. */
    static boolean corsHeaderName(String name, String path, ValidationContext ctx) {
        if (name == null || name.isEmpty()) {
            ctx.error(path, "header name cannot be empty");
            return false;
        }
        if (!name.equals("*") && !HEADER_NAME_RE.matcher(name).matches()) {
            ctx.error(path, "header name " + name + " is not a valid header name");
            return false;
        }
        return true;
    }

    /**
     * A header value for a header operation, as Envoy will parse it: no control characters other than tab,
     * and every {@code %} either doubled ({@code %%}) or opening a well-formed {@code %VARIABLE%} or
     * {@code %VARIABLE(["arg", ...])%} command. What the variable names is not checked.
     */
    static boolean headerValue(String value, String path, ValidationContext ctx) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c <= 0x1f && c != '\t') || c == 0x7f) {
                ctx.error(path, "header value configuration " + quote(value) + " is invalid");
                return false;
            }
        }
        String problem = HeaderValueSyntax.problem(value);
        if (problem != null) {
            ctx.error(path, "header value configuration: " + problem);
            return false;
        }
        return true;
    }

    /** A walk over a header value's {@code %...%} commands, following the states of Envoy's header parser. */
    private static final class HeaderValueSyntax {
        private enum State {
            LITERAL, VARIABLE_NAME, EXPECT_ARRAY, EXPECT_STRING, IN_STRING, EXPECT_DELIMITER_OR_END,
            EXPECT_ARGS_END, EXPECT_VARIABLE_END
        }

        static String problem(String value) {
            State state = State.LITERAL;
            for (int pos = 0; pos < value.length(); pos++) {
                char c = value.charAt(pos);
                boolean more = pos + 1 < value.length();
                switch (state) {
                    case LITERAL -> {
                        if (c == '%') {
                            if (!more) {
                                return "invalid header configuration. Un-escaped %";
                            }
                            if (value.charAt(pos + 1) == '%') {
                                pos++; // "%%" is a literal percent sign
                            } else {
                                state = State.VARIABLE_NAME;
                            }
                        }
                    }
                    case VARIABLE_NAME -> {
                        if (c == '%') {
                            state = State.LITERAL;
                        } else if (c == '(') {
                            state = State.EXPECT_ARRAY;
                        }
                    }
                    case EXPECT_ARRAY -> {
                        if (c == '[') {
                            state = State.EXPECT_STRING;
                        } else if (c != ' ') {
                            state = State.IN_STRING; // a bare argument is read like a string
                        }
                    }
                    case EXPECT_DELIMITER_OR_END -> {
                        if (c == ',') {
                            state = State.EXPECT_STRING;
                        } else if (c == ']') {
                            state = State.EXPECT_ARGS_END;
                        } else if (c != ' ') {
                            return "invalid header configuration. Expecting ',', ']', or whitespace";
                        }
                    }
                    case EXPECT_STRING -> {
                        if (c == '"') {
                            state = State.IN_STRING;
                        } else if (c != ' ') {
                            return "invalid header configuration. Expecting '\"'";
                        }
                    }
                    case IN_STRING -> {
                        if (c == '\\') {
                            if (!more) {
                                return "invalid header configuration. Un-terminated backslash in JSON string";
                            }
                            pos++;
                        } else if (c == ')') {
                            state = State.EXPECT_VARIABLE_END;
                        } else if (c == '"') {
                            state = State.EXPECT_DELIMITER_OR_END;
                        }
                    }
                    case EXPECT_ARGS_END -> {
                        if (c == ')') {
                            state = State.EXPECT_VARIABLE_END;
                        } else if (c != ' ') {
                            return "invalid header configuration. Expecting ')' or whitespace after '{}', but found"
                                    + " '{}'";
                        }
                    }
                    case EXPECT_VARIABLE_END -> {
                        if (c == '%') {
                            state = State.LITERAL;
                        } else if (c != ' ') {
                            return "invalid header configuration. Expecting '%' or whitespace after";
                        }
                    }
                }
            }
            if (state != State.LITERAL) {
                return "invalid header configuration. Un-terminated variable expression '" + value + "'";
            }
            return null;
        }
    }

    // ---------------------------------------------------------------- host names

    /**
     * {@code host} as the mesh compares it ({@link HostName}), or null when nothing of it is left to compare
     * ({@code null}, {@code ""}, {@code "."}); the syntax checks report such a host.
     */
    static HostName hostName(String host) {
        if (host == null) {
            return null;
        }
        try {
            return HostName.of(host);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * A host written in the config of {@code namespace}, expanded with Kubernetes' default cluster domain
     * ({@link HostName#qualified}), or null as for {@link #hostName}.
     */
    static HostName qualified(String host, String namespace) {
        return hostName(host) == null ? null : HostName.qualified(host, namespace, HostName.DEFAULT_DOMAIN_SUFFIX);
    }

    // ---------------------------------------------------------------- message formatting

    /** A string in double quotes with Go-style escapes, as Istio's {@code %q} prints it. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /**
     * A double the way Go's {@code %v} prints it, so numbers in messages read as in Istio: {@code 150},
     * {@code 150.5}, {@code 1e-05}, {@code 1e+06}.
     */
    static String goFloat(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == 0) {
            return (1 / v < 0) ? "-0" : "0";
        }
        BigDecimal d = new BigDecimal(Double.toString(v)).stripTrailingZeros();
        String digits = d.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - d.scale();
        String sign = v < 0 ? "-" : "";
        // Go's shortest %v switches to exponent form for exponents below -4 or from 6 on.
        if (exp < -4 || exp >= 6) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            String e = String.format("%02d", Math.abs(exp));
            return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + e;
        }
        return sign + d.abs().toPlainString();
    }
}
