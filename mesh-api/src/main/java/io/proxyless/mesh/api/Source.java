package io.proxyless.mesh.api;

import java.util.List;

/**
 * Istio {@code Source} of an authorization {@link Rule}: who sends the request. Each field matches if the request
 * matches one of its values (a {@code not} field: none of them), and the source matches if every field set does.
 * Principals and namespaces match exactly, by prefix ({@code abc*}), by suffix ({@code *abc}) or by presence
 * ({@code *}); principals are the peer's verified identity without {@code spiffe://}, e.g. {@code
 * cluster.local/ns/default/sa/sleep}.
 *
 * @param principals           peer identities (from the mTLS certificate)
 * @param notPrincipals        peer identities that must not match
 * @param requestPrincipals    JWT {@code iss/sub} identities
 * @param notRequestPrincipals JWT identities that must not match
 * @param namespaces           the peer's namespace (from its identity)
 * @param notNamespaces        namespaces that must not match
 * @param ipBlocks             the peer's address: IPs or CIDR blocks
 * @param notIpBlocks          addresses that must not match
 * @param remoteIpBlocks       the original client's address (X-Forwarded-For or PROXY protocol)
 * @param notRemoteIpBlocks    original client addresses that must not match
 */
public record Source(
        List<String> principals,
        List<String> notPrincipals,
        @NotSupported(NotEvaluated.JWT)
        List<String> requestPrincipals,
        @NotSupported(NotEvaluated.JWT)
        List<String> notRequestPrincipals,
        List<String> namespaces,
        List<String> notNamespaces,
        List<String> ipBlocks,
        List<String> notIpBlocks,
        @NotSupported(NotEvaluated.REMOTE_IP)
        List<String> remoteIpBlocks,
        @NotSupported(NotEvaluated.REMOTE_IP)
        List<String> notRemoteIpBlocks) {

    public Source {
        principals = Immutables.list(principals);
        notPrincipals = Immutables.list(notPrincipals);
        requestPrincipals = Immutables.list(requestPrincipals);
        notRequestPrincipals = Immutables.list(notRequestPrincipals);
        namespaces = Immutables.list(namespaces);
        notNamespaces = Immutables.list(notNamespaces);
        ipBlocks = Immutables.list(ipBlocks);
        notIpBlocks = Immutables.list(notIpBlocks);
        remoteIpBlocks = Immutables.list(remoteIpBlocks);
        notRemoteIpBlocks = Immutables.list(notRemoteIpBlocks);
    }

    /** A source matching any of these peer identities. */
    public static Source principals(String... principals) {
        return new Source(List.of(principals), null, null, null, null, null, null, null, null, null);
    }

    /** Why some source fields and conditions are not evaluated: the reasons the warnings give. */
    static final class NotEvaluated {
        static final String FAIL_CLOSED = "; a rule that uses it fails closed (an ALLOW rule never matches, a DENY "
                + "rule matches without it)";
        static final String JWT = "JWTs are not validated by a proxyless server (RequestAuthentication is not "
                + "enforced)" + FAIL_CLOSED;
        static final String REMOTE_IP = "a proxyless server does not derive the original client's address from "
                + "X-Forwarded-For or the PROXY protocol" + FAIL_CLOSED;

        private NotEvaluated() {
        }
    }
}
