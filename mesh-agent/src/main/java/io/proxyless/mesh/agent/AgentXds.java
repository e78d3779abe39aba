package io.proxyless.mesh.agent;

import io.proxyless.mesh.runtime.source.ConfigSourceProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.CodeSource;
import java.util.ServiceLoader;

/**
 * The xDS source, which the agent jar carries as a jar of its own ({@value #JAR}: {@code mesh-xds} with grpc-java,
 * protobuf and the Envoy API relocated under {@code io.proxyless.mesh.agent.shaded}, built by
 * {@code mesh-agent-xds}). It is loaded only when the config comes from xDS, in a class loader whose parent is the
 * agent's, so that its {@code XdsConfigSourceProvider} implements the agent's own {@link ConfigSourceProvider} and
 * uses the agent's Guava, Jackson and SLF4J. Kept apart rather than merged into the agent jar because its 17,000
 * classes would make the JVM open a jar three times as large at every start, xDS or not.
 */
final class AgentXds {
    /** Where the xDS source's jar is inside the agent jar. */
    static final String JAR = "META-INF/mesh-agent/mesh-agent-xds.jar";

    private AgentXds() {
    }

    /**
     * The xDS source's provider, its jar copied out of the agent jar into a temporary file (a class loader reads
     * no jar inside a jar).
     *
     * @throws IllegalStateException when the agent jar holds no xDS source
     */
    static ConfigSourceProvider provider() {
        URL nested = nestedJar();
        try {
            Path file = Files.createTempFile("mesh-agent-xds", ".jar");
            file.toFile().deleteOnExit();
            try (InputStream in = nested.openStream()) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            ClassLoader agent = AgentXds.class.getClassLoader();
            URLClassLoader loader = new URLClassLoader("mesh-agent-xds", new URL[] {file.toUri().toURL()}, agent);
            for (ConfigSourceProvider p : ServiceLoader.load(ConfigSourceProvider.class, loader)) {
                if (p.kind().equals(ConfigSourceProvider.XDS)) {
                    return p;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the agent's xDS source out of " + nested, e);
        }
        throw new IllegalStateException("the agent's " + JAR + " holds no xDS config source");
    }

    /** The jar inside the agent jar this class was loaded from (not another jar on the class path). */
    private static URL nestedJar() {
        CodeSource source = AgentXds.class.getProtectionDomain().getCodeSource();
        try {
            if (source != null && source.getLocation().getPath().endsWith(".jar")) {
                URL url = new URL("jar:" + source.getLocation() + "!/" + JAR);
                url.openConnection().getContentLengthLong(); // fails when the entry is missing
                return url;
            }
        } catch (IOException e) {
            // named below
        }
        throw new IllegalStateException("xDS config needs the agent jar's " + JAR + "; " + source.getLocation()
                + " has none (build mesh-agent with ./mvnw package)");
    }
}
