package io.proxyless.mesh.servlet;

import io.proxyless.mesh.runtime.tls.SubjectAltNames;
import java.security.cert.X509Certificate;

/** The SPIFFE id a verified client certificate carries: its first {@code spiffe://} URI subject alternative name. */
final class PeerIdentity {
    private static final String SPIFFE = "spiffe://";

    private PeerIdentity() {
    }

    /** The SPIFFE id, or null for a certificate without one (mTLS, but no mesh identity). */
    static String of(X509Certificate certificate) {
        for (SubjectAltNames.Name name : SubjectAltNames.of(certificate)) {
            if (name.value().startsWith(SPIFFE)) {
                return name.value();
            }
        }
        return null;
    }
}
