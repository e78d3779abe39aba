package io.proxyless.mesh.runtime.tls;

import com.google.common.net.InetAddresses;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Subject alternative names of a server certificate, checked the way the sidecar's Envoy checks them.
 *
 * <ul>
 *   <li>{@link #matchesAny}: Istio's {@code subjectAltNames} (and SPIFFE identities) become Envoy exact matchers
 *       tried against the certificate's DNS, URI, e-mail and IP SANs; a wildcard DNS SAN ({@code *.example.com})
 *       covers one label of a configured name.</li>
 *   <li>{@link #matchesHost}: Envoy's auto SAN validation against the request's host: DNS SANs (wildcards
 *       covering exactly the leftmost label) or, for an IP address, IP SANs. The subject CN is not used.</li>
 * </ul>
 *
 * <pre>{@code
 * boolean ok = SubjectAltNames.matchesAny(leaf, List.of("spiffe://cluster.local/ns/default/sa/reviews"));
 * }</pre>
 */
public final class SubjectAltNames {
    private static final int EMAIL = 1;
    private static final int DNS = 2;
    private static final int URI = 6;
    private static final int IP = 7;

    private SubjectAltNames() {
    }

    /** One SAN: its GeneralName type (2 DNS, 6 URI, 7 IP, 1 e-mail) and value. */
    public record Name(int type, String value) {
        @Override
        public String toString() {
            String kind = switch (type) {
                case DNS -> "DNS";
                case URI -> "URI";
                case IP -> "IP";
                case EMAIL -> "EMAIL";
                default -> "TYPE" + type;
            };
            return kind + ":" + value;
        }
    }

    /** The certificate's SANs of the types Envoy checks (DNS, URI, IP, e-mail). */
    public static List<Name> of(X509Certificate certificate) {
        List<Name> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
            if (sans == null) {
                return List.of();
            }
            for (List<?> san : sans) {
                int type = (Integer) san.get(0);
                if ((type == DNS || type == URI || type == IP || type == EMAIL) && san.get(1) instanceof String v) {
                    out.add(new Name(type, v));
                }
            }
        } catch (CertificateParsingException e) {
            return List.of();
        }
        return List.copyOf(out);
    }

    /** True when one of the certificate's SANs equals one of {@code expected}. */
    public static boolean matchesAny(X509Certificate certificate, Collection<String> expected) {
        List<Name> names = of(certificate);
        for (String want : expected) {
            for (Name n : names) {
                if (matches(n, want)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** True when the certificate is valid for {@code host} (a DNS name or an IP address). */
    public static boolean matchesHost(X509Certificate certificate, String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        boolean ip = InetAddresses.isInetAddress(h);
        for (Name n : of(certificate)) {
            if (ip ? n.type() == IP && sameIp(n.value(), h) : n.type() == DNS && dnsMatches(n.value(), h)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Name name, String expected) {
        return switch (name.type()) {
            case DNS -> dnsMatches(name.value(), expected);
            case IP -> InetAddresses.isInetAddress(expected) && sameIp(name.value(), expected);
            default -> name.value().equals(expected);
        };
    }

    private static boolean sameIp(String a, String b) {
        try {
            return InetAddresses.forString(a).equals(InetAddresses.forString(b));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * DNS name comparison, case-insensitive, trailing dots ignored; a SAN {@code *.example.com} matches exactly
     * one leftmost label ({@code a.example.com}, not {@code example.com} nor {@code a.b.example.com}).
     */
    static boolean dnsMatches(String san, String name) {
        String pattern = strip(san);
        String host = strip(name);
        if (pattern.isEmpty() || host.isEmpty()) {
            return false;
        }
        if (!pattern.startsWith("*.")) {
            return pattern.equals(host);
        }
        String suffix = pattern.substring(1); // ".example.com"
        if (suffix.indexOf('*') >= 0 || !host.endsWith(suffix)) {
            return false;
        }
        String label = host.substring(0, host.length() - suffix.length());
        return !label.isEmpty() && label.indexOf('.') < 0;
    }

    private static String strip(String s) {
        String t = s.toLowerCase(Locale.ROOT);
        return t.endsWith(".") ? t.substring(0, t.length() - 1) : t;
    }
}
