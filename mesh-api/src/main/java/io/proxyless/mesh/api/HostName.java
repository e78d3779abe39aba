package io.proxyless.mesh.api;

import com.google.common.net.InetAddresses;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A host name as the mesh compares it: the one place that decides case, the trailing dot, short-name expansion,
 * wildcards and the Kubernetes short forms of in-cluster names. Validation, the service registry, the route
 * compiler and the xDS source all hold hosts as this value, so a name means the same thing everywhere.
 *
 * <pre>{@code
 * HostName.of("Reviews.Default.svc.cluster.local.")         // reviews.default.svc.cluster.local
 * HostName.qualified("reviews", "default", "cluster.local")  // reviews.default.svc.cluster.local
 * HostName.qualified("reviews.", "default", "cluster.local") // reviews (absolute: never expanded)
 * HostName.of("a.example.com").subsetOf(HostName.of("*.example.com"))  // true
 * }</pre>
 *
 * <p>The rules, and why:
 * <ul>
 *   <li><b>Case</b>: DNS names and HTTP authorities are case-insensitive, so names are lower-cased.</li>
 *   <li><b>Trailing dot</b>: {@code reviews.default.svc.cluster.local.} is the absolute spelling of
 *       {@code reviews.default.svc.cluster.local}; Istio answers both on one virtual host
 *       ({@code PILOT_ENABLE_ABSOLUTE_FQDN_VHOST_DOMAIN}, on by default), so the dot is dropped. An absolute name
 *       is never expanded: {@code backend.} is {@code backend}, not {@code backend.NS.svc.cluster.local}.</li>
 *   <li><b>Short names</b> in config ({@link #qualified}): as Istio's {@code ResolveShortnameToFQDN}, only a name
 *       without a dot is expanded, to {@code NAME.NAMESPACE.svc.DOMAIN}; a name with a dot
 *       ({@code reviews.default}, {@code api.example.com}) is taken as written, and so are {@code *} and IP
 *       addresses.</li>
 *   <li><b>Short forms a client may call</b> ({@link #aliases}): what Istio adds to the virtual host of an
 *       in-cluster service {@code NAME.NS.svc.DOMAIN} for a client in namespace {@code CLIENT}: {@code NAME.NS}
 *       and {@code NAME.NS.svc}, and {@code NAME} when {@code NS} is {@code CLIENT}
 *       ({@code GenerateAltVirtualHosts}). This is how a request to {@code reviews.default} reaches
 *       {@code reviews.default.svc.cluster.local} although config never expands {@code reviews.default}.</li>
 *   <li><b>Wildcards</b>: a name starting with {@code *} is a wildcard; {@code *.example.com} stands for every
 *       name ending in {@code .example.com} (any number of labels in front, not {@code example.com} itself) and
 *       {@code *} for every name. {@link #subsetOf} and {@link #matches} are Istio's {@code host.Name} tests;
 *       {@link #MORE_SPECIFIC_FIRST} is Istio's host order.</li>
 *   <li><b>IP literals</b> are names too (a service address); IPv6 brackets are dropped ({@code [::1]} is
 *       {@code ::1}).</li>
 * </ul>
 *
 * <p>This value does not check syntax: validation reports malformed names with Istio's messages, and every
 * other part only sees validated config or a transport's already-parsed authority.
 */
public final class HostName {
    /** The Kubernetes cluster domain Istio assumes unless told otherwise. */
    public static final String DEFAULT_DOMAIN_SUFFIX = "cluster.local";

    /** The wildcard that stands for every name. */
    public static final HostName ANY = new HostName("*");

    /**
     * Istio's host order ({@code host.Names}): exact names before wildcards; within each, longer names first, then
     * alphabetically. The first wildcard in this order that covers a name is the most specific one.
     */
    public static final Comparator<HostName> MORE_SPECIFIC_FIRST = Comparator
            .comparing(HostName::isWildcard)
            .thenComparing(Comparator.comparingInt((HostName h) -> h.name.length()).reversed())
            .thenComparing(h -> h.name);

    private final String name;

    private HostName(String name) {
        this.name = name;
    }

    /**
     * The name as written, normalized: lower-cased, without the trailing dot of an absolute name and without the
     * brackets of an IPv6 literal. No expansion: use {@link #qualified} for hosts written in config.
     *
     * @throws IllegalArgumentException when nothing is left of the name ({@code ""}, {@code "."})
     */
    public static HostName of(String host) {
        String h = normalize(host);
        return h.equals("*") ? ANY : new HostName(h);
    }

    /**
     * The text of {@link #of}{@code (host)} without building a {@code HostName}: the request path looks hosts up by
     * this on every call, and for a host already written in normal form (the usual case) it returns {@code host}
     * itself, allocating nothing.
     *
     * @throws IllegalArgumentException when nothing is left of the name ({@code ""}, {@code "."})
     */
    public static String normalize(String host) {
        Objects.requireNonNull(host, "host");
        if (isNormal(host)) {
            return host;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.length() > 2 && h.charAt(0) == '[' && h.charAt(h.length() - 1) == ']') {
            h = h.substring(1, h.length() - 1);
        }
        if (h.length() > 1 && h.charAt(h.length() - 1) == '.') {
            h = h.substring(0, h.length() - 1);
        }
        if (h.isEmpty() || h.equals(".")) {
            throw new IllegalArgumentException("not a host name: \"" + host + "\"");
        }
        return h;
    }

    /** No upper-case letter, no IPv6 brackets, no trailing dot, not empty: {@link #normalize} would keep it as is. */
    private static boolean isNormal(String host) {
        int n = host.length();
        if (n == 0 || host.charAt(0) == '[' || host.charAt(n - 1) == '.') {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = host.charAt(i);
            if ((c >= 'A' && c <= 'Z') || c > 0x7f) {
                return false;
            }
        }
        return true;
    }

    /**
     * A host written in config (VirtualService hosts, route and mirror destinations, DestinationRule host,
     * ServiceEntry hosts), expanded relative to the namespace of the resource it appears in, as Istio's
     * {@code ResolveShortnameToFQDN} does:
     * {@code qualified("reviews", "shop", "cluster.local")} is {@code reviews.shop.svc.cluster.local}. A name with
     * a dot, an absolute name (trailing dot), {@code *} and IP addresses are kept as written (normalized as
     * {@link #of}). As in Istio, an empty {@code namespace} adds no namespace label and an empty
     * {@code domainSuffix} adds no {@code .svc.} part; a null {@code domainSuffix} means
     * {@link #DEFAULT_DOMAIN_SUFFIX}.
     */
    public static HostName qualified(String host, String namespace, String domainSuffix) {
        HostName h = of(host);
        if (isAbsolute(host) || h.name.indexOf('.') >= 0 || h.isWildcard() || h.isIpAddress()) {
            return h;
        }
        String suffix = domainSuffix == null ? DEFAULT_DOMAIN_SUFFIX : domainSuffix;
        StringBuilder out = new StringBuilder(h.name);
        if (namespace != null && !namespace.isEmpty()) {
            out.append('.').append(namespace);
        }
        if (!suffix.isEmpty()) {
            out.append(".svc.").append(suffix);
        }
        return new HostName(out.toString().toLowerCase(Locale.ROOT));
    }

    /**
     * {@code written} is an absolute name: it ends with the root's dot ({@code reviews.default.svc.cluster.local.}).
     * Such a name stands for itself only: it is never expanded ({@link #qualified}) and never one of the short
     * forms of a longer name ({@link #aliases}), just as a resolver never applies search domains to it.
     */
    public static boolean isAbsolute(String written) {
        return written.length() > 1 && written.charAt(written.length() - 1) == '.';
    }

    /** Starts with {@code *}: {@code *} or {@code *.example.com}. */
    public boolean isWildcard() {
        return name.charAt(0) == '*';
    }

    /** An IPv4 or IPv6 address literal rather than a DNS name. */
    public boolean isIpAddress() {
        return InetAddresses.isInetAddress(name);
    }

    /** A Kubernetes service name of the cluster domain {@code domainSuffix}: ends in {@code .svc.domainSuffix}. */
    public boolean inClusterDomain(String domainSuffix) {
        return !domainSuffix.isEmpty() && name.endsWith(".svc." + domainSuffix);
    }

    /**
     * Every name this one stands for is also one {@code other} stands for (Istio's {@code host.Name.SubsetOf}):
     * {@code a.example.com ⊆ *.example.com ⊆ *.com ⊆ *}; a wildcard is never a subset of an exact name.
     */
    public boolean subsetOf(HostName other) {
        if (isWildcard()) {
            return other.isWildcard() && name.length() >= other.name.length()
                    && name.endsWith(other.name.substring(1));
        }
        if (other.isWildcard()) {
            return name.endsWith(other.name.substring(1));
        }
        return name.equals(other.name);
    }

    /**
     * The two names have a name in common (Istio's {@code host.Name.Matches}): {@link #subsetOf} in either
     * direction, so {@code *.example.com} matches {@code a.example.com} and the other way round.
     */
    public boolean matches(HostName other) {
        return subsetOf(other) || other.subsetOf(this);
    }

    /**
     * The short forms by which a client in {@code clientNamespace} may call this in-cluster service, as Istio adds
     * them to its virtual host ({@code GenerateAltVirtualHosts} for a proxy domain
     * {@code CLIENT.svc.domainSuffix}): for {@code reviews.shop.svc.cluster.local}, {@code reviews.shop} and
     * {@code reviews.shop.svc} for every client, and also {@code reviews} for a client in {@code shop}, longest
     * first. Empty for
     * names outside {@code *.svc.domainSuffix}, wildcards and IP addresses. The names are split where Istio
     * splits them: the name is the first label, the namespace runs to the first {@code .svc.}.
     */
    public List<HostName> aliases(String clientNamespace, String domainSuffix) {
        if (isWildcard() || !inClusterDomain(domainSuffix)) {
            return List.of();
        }
        int svc = name.indexOf(".svc.");
        int dot = name.indexOf('.');
        if (dot + 1 > svc) {
            return List.of(); // NAME.svc.DOMAIN: no namespace label
        }
        String nameAndNamespace = name.substring(0, svc);
        HostName withNamespace = new HostName(nameAndNamespace);
        HostName withSvc = new HostName(nameAndNamespace + ".svc");
        if (nameAndNamespace.substring(dot + 1).equals(clientNamespace)) {
            return List.of(withSvc, withNamespace, new HostName(name.substring(0, dot)));
        }
        return List.of(withSvc, withNamespace);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostName other && name.equals(other.name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    /** The normalized name, e.g. {@code reviews.default.svc.cluster.local}. */
    @Override
    public String toString() {
        return name;
    }
}
