package io.proxyless.mesh.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The complete {@code pom.xml} of {@code docs/getting-started.md} builds: the modules of this build (their jars and
 * poms, with the parent and the BOM) are put into a fresh local repository, as {@code ./mvnw install} would, and a
 * separate Maven run compiles and packages a small client against it, offline, taking third-party artifacts from
 * this build's own local repository. The reactor packages every module before this one's tests run.
 */
class GettingStartedPomTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> MODULES = List.of("mesh-api", "mesh-runtime", "mesh-okhttp");

    @TempDir
    Path dir;

    @Test
    void theWholePomOfTheGuideBuildsAClientAgainstThisBuildsModules() throws Exception {
        String version = projectVersion();
        for (String module : MODULES) {
            assumeTrue(Files.isRegularFile(jar(module, version)), module + " is not packaged (run the verify phase)");
        }
        String tail = System.getProperty("mesh.localRepository");
        assumeTrue(tail != null && Files.isDirectory(Path.of(tail)), "the build's local repository is unknown");

        Path repo = Files.createDirectories(dir.resolve("repo"));
        install(repo, "mesh-parent", version, ROOT.resolve("pom.xml"), null);
        install(repo, "mesh-bom", version, ROOT.resolve("mesh-bom/pom.xml"), null);
        for (String module : MODULES) {
            install(repo, module, version, ROOT.resolve(module).resolve("pom.xml"), jar(module, version));
        }
        Path app = Files.createDirectories(dir.resolve("app"));
        Files.writeString(app.resolve("pom.xml"), wholePom());
        Path source = Files.createDirectories(app.resolve("src/main/java/com/example")).resolve("ReviewsClient.java");
        Files.writeString(source, """
                package com.example;

                import io.proxyless.mesh.okhttp.MeshInterceptor;
                import io.proxyless.mesh.runtime.Mesh;
                import java.nio.file.Path;
                import okhttp3.OkHttpClient;

                public class ReviewsClient {
                    public static void main(String[] args) {
                        Mesh mesh = Mesh.builder().configPaths(Path.of(args[0])).namespace("default").build();
                        OkHttpClient client = new OkHttpClient.Builder()
                                .addInterceptor(MeshInterceptor.create(mesh)).build();
                        System.out.println(client.interceptors().size());
                    }
                }
                """);

        // The goals are named with the plugin versions this build uses, which its local repository holds: the
        // lifecycle's default versions may not be there, and the run is offline.
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("mvnw").toString(), "-B", "-q", "-o",
                "-Dmaven.repo.local=" + repo, "-Dmaven.repo.local.tail=" + tail,
                goal("maven-resources-plugin", "resources"), goal("maven-compiler-plugin", "compile"),
                goal("maven-jar-plugin", "jar")));
        Process p = new ProcessBuilder(command).directory(app.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("the build ends").isTrue();

        assertThat(p.exitValue()).as("mvn package of the guide's pom.xml:%n%s", output).isZero();
        assertThat(app.resolve("target/reviews-client-1.0.0.jar")).isRegularFile();
    }

    /** {@code org.apache.maven.plugins:PLUGIN:VERSION:GOAL} with the version the parent pom manages. */
    private static String goal(String plugin, String goal) throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        Matcher m = Pattern.compile("<artifactId>" + plugin + "</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(pom);
        if (!m.find()) {
            throw new AssertionError("the parent pom manages no version of " + plugin);
        }
        return "org.apache.maven.plugins:" + plugin + ":" + m.group(1) + ":" + goal;
    }

    /** The xml block of the guide that is a whole pom (it declares its model version). */
    private static String wholePom() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/getting-started.md"));
        for (String block : doc.split("```xml\n")) {
            if (block.startsWith("<?xml")) {
                return block.substring(0, block.indexOf("```"));
            }
        }
        throw new AssertionError("docs/getting-started.md has no whole pom.xml");
    }

    private static Path jar(String module, String version) {
        return ROOT.resolve(module).resolve("target").resolve(module + "-" + version + ".jar");
    }

    /** What {@code mvn install} leaves in a local repository for one artifact. */
    private static void install(Path repo, String artifactId, String version, Path pom, Path jar)
            throws IOException {
        Path at = Files.createDirectories(repo.resolve("io/proxyless").resolve(artifactId).resolve(version));
        Files.copy(pom, at.resolve(artifactId + "-" + version + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            Files.copy(jar, at.resolve(artifactId + "-" + version + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String projectVersion() throws IOException {
        String pom = Files.readString(ROOT.resolve("mesh-bom/pom.xml"));
        int start = pom.indexOf("<version>", pom.indexOf("<artifactId>mesh-bom</artifactId>")) + "<version>".length();
        return pom.substring(start, pom.indexOf("</version>", start));
    }
}
