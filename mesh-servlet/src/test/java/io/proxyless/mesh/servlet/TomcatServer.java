package io.proxyless.mesh.servlet;

import jakarta.servlet.Filter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;

/**
 * A real embedded Tomcat 11 on 127.0.0.1, TLS only, with the mesh's {@code SSLContext} and the filter under test in
 * front of the same echo servlet as {@link JettyServer}.
 *
 * <p>Tomcat takes a ready {@code SSLContext} through its own interface ({@link TomcatSslContext}), and applies its
 * {@code certificateVerification} to every engine it creates (the default, {@code none}, would switch the mesh
 * engines' client authentication off): a mesh port sets it to {@code required}.
 */
final class TomcatServer implements AutoCloseable {
    private final Tomcat tomcat;
    private final Connector connector;

    private TomcatServer(Tomcat tomcat, Connector connector) {
        this.tomcat = tomcat;
        this.connector = connector;
    }

    /** TLS only, client certificates required, in working directory {@code baseDir}. */
    static TomcatServer tls(Path baseDir, SSLContext sslContext, Filter filter) throws Exception {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());

        Connector connector = new Connector("HTTP/1.1");
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        connector.setScheme("https");
        connector.setSecure(true);
        connector.setProperty("SSLEnabled", "true");
        SSLHostConfig tls = new SSLHostConfig();
        tls.setCertificateVerification("required");
        SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(tls,
                SSLHostConfigCertificate.Type.UNDEFINED);
        certificate.setSslContext(new TomcatSslContext(sslContext));
        tls.addCertificate(certificate);
        connector.addSslHostConfig(tls);
        tomcat.setConnector(connector);

        Context context = tomcat.addContext("", baseDir.toString());
        Tomcat.addServlet(context, "echo", new JettyServer.Echo());
        context.addServletMappingDecoded("/*", "echo");
        FilterDef def = new FilterDef();
        def.setFilterName("mesh");
        def.setFilter(filter);
        context.addFilterDef(def);
        FilterMap map = new FilterMap();
        map.setFilterName("mesh");
        map.addURLPattern("/*");
        context.addFilterMap(map);

        tomcat.start();
        return new TomcatServer(tomcat, connector);
    }

    int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        tomcat.stop();
        tomcat.destroy();
    }

    /**
     * Tomcat's {@link org.apache.tomcat.util.net.SSLContext} over a JSSE context that is already initialised (the
     * mesh's, whose key and trust managers reload rotated files): every call goes to it; {@code init} has nothing
     * left to do.
     */
    static final class TomcatSslContext implements org.apache.tomcat.util.net.SSLContext {
        private final SSLContext context;

        TomcatSslContext(SSLContext context) {
            this.context = context;
        }

        @Override
        public void init(KeyManager[] kms, TrustManager[] tms, SecureRandom sr) {
        }

        @Override
        public void destroy() {
        }

        @Override
        public SSLSessionContext getServerSessionContext() {
            return context.getServerSessionContext();
        }

        @Override
        public SSLEngine createSSLEngine() {
            return context.createSSLEngine();
        }

        @Override
        public SSLServerSocketFactory getServerSocketFactory() {
            return context.getServerSocketFactory();
        }

        @Override
        public SSLParameters getSupportedSSLParameters() {
            return context.getSupportedSSLParameters();
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return null;
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
