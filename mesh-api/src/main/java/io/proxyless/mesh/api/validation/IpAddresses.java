package io.proxyless.mesh.api.validation;

/**
 * Strict textual IP address and CIDR parsing, with the same acceptance rules as Go's {@code net/netip}, which
 * Istio's validation uses. {@link java.net.InetAddress} is not usable here: it resolves names over DNS and
 * accepts forms (octal, fewer than four IPv4 fields) that Istio rejects.
 */
final class IpAddresses {
    private IpAddresses() {
    }

    /** True for a dotted-quad IPv4 address or an IPv6 address (optionally with a {@code %zone}). */
    static boolean isIpAddress(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        if (s.indexOf(':') >= 0) {
            int percent = s.indexOf('%');
            if (percent >= 0) {
                // A zone names an interface; it may hold any characters but must not be empty.
                return percent < s.length() - 1 && isIpv6(s.substring(0, percent));
            }
            return isIpv6(s);
        }
        return isIpv4(s);
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
        String addr = s.substring(0, slash);
        String bits = s.substring(slash + 1);
        if (addr.indexOf('%') >= 0 || !isIpAddress(addr)) {
            return false;
        }
        if (bits.isEmpty() || bits.length() > 3 || (bits.length() > 1 && bits.charAt(0) == '0')) {
            return false;
        }
        for (int i = 0; i < bits.length(); i++) {
            if (!isDigit(bits.charAt(i))) {
                return false;
            }
        }
        int n = Integer.parseInt(bits);
        return n <= (addr.indexOf(':') >= 0 ? 128 : 32);
    }

    static boolean isIpv4(String s) {
        String[] fields = s.split("\\.", -1);
        if (fields.length != 4) {
            return false;
        }
        for (String f : fields) {
            if (!isOctet(f)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isOctet(String f) {
        if (f.isEmpty() || f.length() > 3 || (f.length() > 1 && f.charAt(0) == '0')) {
            return false; // leading zeros would be read as octal by some parsers, so Go rejects them
        }
        for (int i = 0; i < f.length(); i++) {
            if (!isDigit(f.charAt(i))) {
                return false;
            }
        }
        return Integer.parseInt(f) <= 255;
    }

    private static boolean isIpv6(String s) {
        int ellipsis = s.indexOf("::");
        if (ellipsis >= 0 && s.indexOf("::", ellipsis + 1) >= 0) {
            return false;
        }
        String head = ellipsis >= 0 ? s.substring(0, ellipsis) : s;
        String tail = ellipsis >= 0 ? s.substring(ellipsis + 2) : "";
        int headGroups = groups(head, ellipsis < 0);
        if (headGroups < 0) {
            return false;
        }
        if (ellipsis < 0) {
            return headGroups == 8;
        }
        int tailGroups = groups(tail, true);
        if (tailGroups < 0) {
            return false;
        }
        // "::" stands for at least one group of zeros.
        return headGroups + tailGroups <= 7;
    }

    /**
     * Counts the 16-bit groups in a colon-separated run (an embedded IPv4 address counts as two), or -1 when the
     * run is malformed. The embedded IPv4 form is only allowed at the very end of the address.
     */
    private static int groups(String run, boolean mayEndWithIpv4) {
        if (run.isEmpty()) {
            return 0;
        }
        String[] parts = run.split(":", -1);
        int count = 0;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (i == parts.length - 1 && mayEndWithIpv4 && p.indexOf('.') >= 0) {
                if (!isIpv4(p)) {
                    return -1;
                }
                count += 2;
                continue;
            }
            if (p.isEmpty() || p.length() > 4) {
                return -1;
            }
            for (int j = 0; j < p.length(); j++) {
                if (!isHexDigit(p.charAt(j))) {
                    return -1;
                }
            }
            count++;
        }
        return count;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHexDigit(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
