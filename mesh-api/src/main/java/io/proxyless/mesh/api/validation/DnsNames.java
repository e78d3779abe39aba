package io.proxyless.mesh.api.validation;

/**
 * DNS-1123 label and subdomain tests, written out character by character: they run for every name, namespace and
 * host of every resource loaded, and the equivalent regexes (a group repeated per label) allocated a matcher and
 * its state per test, a tenth of the bytes a load of 10,000 services allocated. ASCII only, as the regexes were.
 */
public final class DnsNames {
    private DnsNames() {
    }

    /**
     * A Kubernetes object name's form (DNS-1123 subdomain, {@code [a-z0-9]([-a-z0-9]*[a-z0-9])?} labels joined by
     * single dots); the length limit is the caller's.
     */
    public static boolean isLowerCaseSubdomain(String name) {
        int start = 0;
        while (true) {
            int dot = name.indexOf('.', start);
            int end = dot < 0 ? name.length() : dot;
            if (!isLabel(name, start, end, false)) {
                return false;
            }
            if (dot < 0) {
                return true;
            }
            start = dot + 1;
        }
    }

    /** A Kubernetes namespace name's form ({@code [a-z0-9]([-a-z0-9]*[a-z0-9])?}); the length limit is the caller's. */
    public static boolean isLowerCaseLabel(String name) {
        return isLabel(name, 0, name.length(), false);
    }

    /**
     * Whether {@code s[from, to)} is a DNS-1123 label ({@code [a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?}, or without
     * upper case letters unless {@code upperCase}); no length limit.
     */
    static boolean isLabel(String s, int from, int to, boolean upperCase) {
        if (from >= to || !isAlphanumeric(s.charAt(from), upperCase) || !isAlphanumeric(s.charAt(to - 1), upperCase)) {
            return false;
        }
        for (int i = from + 1; i < to - 1; i++) {
            char c = s.charAt(i);
            if (c != '-' && !isAlphanumeric(c, upperCase)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlphanumeric(char c, boolean upperCase) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (upperCase && c >= 'A' && c <= 'Z');
    }
}
