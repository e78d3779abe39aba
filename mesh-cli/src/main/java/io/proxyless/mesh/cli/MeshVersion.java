package io.proxyless.mesh.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The version shown by {@code mesh --version}. It comes from {@code mesh-version.properties}, which Maven fills in
 * from the project version at build time, so the CLI, the jar and the pom can never disagree.
 */
public final class MeshVersion implements IVersionProvider {
    private static final String RESOURCE = "mesh-version.properties";

    /** The project version, such as {@code 0.1.0-SNAPSHOT}, or {@code unknown} when run from unfiltered classes. */
    public static String version() {
        try (InputStream in = MeshVersion.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                String version = properties.getProperty("version", "");
                // An IDE that copies resources without Maven filtering leaves the placeholder in place.
                if (!version.isBlank() && !version.startsWith("${")) {
                    return version;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        String fromManifest = MeshVersion.class.getPackage().getImplementationVersion();
        return fromManifest != null ? fromManifest : "unknown";
    }

    @Override
    public String[] getVersion() {
        return new String[] {"mesh " + version()};
    }
}
