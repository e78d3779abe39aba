package io.proxyless.mesh.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyManagementException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;

/** The shared base of the mesh's SSLContext wrappers: the delegate does the work, a subclass changes one thing. */
class DelegatingSslContextSpiTest {
    /** A wrapper that changes only how engines are opened. */
    private static final class NeedClientAuth extends DelegatingSslContextSpi {
        NeedClientAuth(SSLContext delegate) {
            super(delegate);
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            SSLEngine engine = super.engineCreateSSLEngine(host, port);
            engine.setUseClientMode(false);
            engine.setNeedClientAuth(true);
            return engine;
        }
    }

    @Test
    void everythingButWhatTheSubclassChangesIsTheDelegates() throws Exception {
        SSLContext delegate = SSLContext.getInstance("TLS");
        delegate.init(null, null, null);
        SSLContext wrapped = DelegatingSslContextSpi.sslContext(new NeedClientAuth(delegate));

        assertThat(wrapped.getProvider()).isSameAs(delegate.getProvider());
        assertThat(wrapped.getProtocol()).isEqualTo(delegate.getProtocol());
        assertThat(wrapped.getServerSessionContext()).isSameAs(delegate.getServerSessionContext());
        assertThat(wrapped.getClientSessionContext()).isSameAs(delegate.getClientSessionContext());
        assertThat(wrapped.createSSLEngine("reviews", 9080).getNeedClientAuth()).isTrue();
        assertThat(wrapped.createSSLEngine().getNeedClientAuth()).as("not overridden: the delegate's").isFalse();
        assertThatThrownBy(() -> wrapped.init(null, null, null)).isInstanceOf(KeyManagementException.class)
                .hasMessageContaining("already initialised");
    }
}
