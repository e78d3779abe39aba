package io.proxyless.mesh.api.validation;

import com.google.common.base.CharMatcher;
import com.google.common.net.InetAddresses;

/**
 * Strict textual IP address and CIDR checks with the acceptance rules of Go's {@code net/netip}, which Istio's
 * validation uses. Guava's {@link InetAddresses} does the parsing (never DNS; no octal or short IPv4 forms); this
 * class adds only what Go decides differently: digits are ASCII only, a {@code %zone} must not be empty, and the
 * CIDR prefix rule, for which Guava has no parser.
 */
final class IpAddresses {
    private IpAddresses() {
    }

    /** True for a dotted-quad IPv4 address or an IPv6 address (optionally with a {@code %zone}). */
    static boolean isIpAddress(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        int percent = s.indexOf('%');
        String address = percent < 0 ? s : s.substring(0, percent);
        // A zone names an interface: it may hold any characters, but Go rejects an empty one.
        if (percent == s.length() - 1) {
            return false;
        }
        // Guava reads digits with Character.digit, which also takes non-ASCII digits such as '१'.
        return CharMatcher.ascii().matchesAllOf(address) && InetAddresses.isInetAddress(s);
    }

    /** True for {@code address/bits} with a zone-less address and bits within the address family's width. */
    static boolean isCidr(String s) {
        if (s == null) {
            return false;
        }
        int slash = s.lastIndexOf('/');
        if (slash < 0) {
            return false;
        }
        String address = s.substring(0, slash);
        String bits = s.substring(slash + 1);
        if (address.indexOf('%') >= 0 || !isIpAddress(address)) {
            return false;
        }
        // Go takes 1-3 ASCII digits without a leading zero ("/08" is an error, not 8).
        if (bits.isEmpty() || bits.length() > 3 || (bits.length() > 1 && bits.charAt(0) == '0')
                || !CharMatcher.inRange('0', '9').matchesAllOf(bits)) {
            return false;
        }
        return Integer.parseInt(bits) <= (address.indexOf(':') >= 0 ? 128 : 32);
    }
}
