package io.proxyless.mesh.api.loader;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A loader that loads the same files again takes what an unchanged file parsed to, and its resources' validation,
 * from the last load: a reload that changed one file of many reads that one. What it returns is what a new loader
 * returns for the same files.
 */
class ConfigLoaderReloadTest {
    @TempDir
    Path dir;

    private static String serviceEntry(String name, String address) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  endpoints: [{address: %s}]
                ---
                """.formatted(name, name, address);
    }

    private static final String BAD_VIRTUAL_SERVICE = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: web}
            spec:
              hosts: [web]
              bogus: 1
              http:
              - route: [{destination: {host: web}, weight: 50}, {destination: {host: api}, weight: 100}]
            """;

    @Test
    void anUnchangedFileIsNotParsedAgainAndTheResultIsAFreshLoads() throws IOException {
        Path a = Files.writeString(dir.resolve("a.yaml"), serviceEntry("web", "10.0.0.1") + BAD_VIRTUAL_SERVICE);
        Path b = Files.writeString(dir.resolve("b.yaml"), serviceEntry("api", "10.0.0.2"));
        ConfigLoader loader = ConfigLoader.create();
        LoadedConfig first = loader.load(List.of(dir));

        Files.writeString(b, serviceEntry("api", "10.0.0.3"));
        LoadedConfig second = loader.load(List.of(dir));
        LoadedConfig fresh = ConfigLoader.create().load(List.of(dir));

        assertThat(second).isEqualTo(fresh);
        assertThat(second.problems()).isEqualTo(first.problems()).isNotEmpty();
        Resource<?> webBefore = first.resources().stream().filter(r -> r.name().equals("web")).findFirst().orElseThrow();
        assertThat(second.resources()).as("a.yaml unchanged: its resources are the same objects")
                .anySatisfy(r -> assertThat(r).isSameAs(webBefore));
        assertThat(second.resources()).filteredOn(r -> r.name().equals("api")).singleElement()
                .satisfies(r -> assertThat(r).isNotEqualTo(first.resources().stream()
                        .filter(x -> x.name().equals("api")).findFirst().orElseThrow()));
        assertThat(a).exists();
    }

    @Test
    void duplicatesAcrossFilesAreStillFoundWhenOnlyOneFileChanged() throws IOException {
        Files.writeString(dir.resolve("a.yaml"), serviceEntry("web", "10.0.0.1"));
        Path b = Files.writeString(dir.resolve("b.yaml"), serviceEntry("api", "10.0.0.2"));
        ConfigLoader loader = ConfigLoader.create();
        assertThat(loader.load(List.of(dir)).hasErrors()).isFalse();

        Files.writeString(b, serviceEntry("web", "10.0.0.2"));
        LoadedConfig second = loader.load(List.of(dir));

        assertThat(second.problems()).map(Problem::message)
                .anySatisfy(m -> assertThat(m).startsWith("duplicate ServiceEntry default/web; already defined at ")
                        .contains("a.yaml"));
        assertThat(second).isEqualTo(ConfigLoader.create().load(List.of(dir)));
    }
}
