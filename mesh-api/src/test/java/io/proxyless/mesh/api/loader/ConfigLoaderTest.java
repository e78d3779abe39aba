package io.proxyless.mesh.api.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.api.ConfigException;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.api.VirtualService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private final ConfigLoader loader = ConfigLoader.create();

    /** The loader's own problems; findings of the cross-resource analyses (with an IST code) are tested apart. */
    private static List<String> lines(LoadedConfig config) {
        return config.problems().stream().filter(p -> p.code() == null).map(Problem::format).toList();
    }

    @Test
    void virtualServiceBindsWithIstioFieldNames() {
        LoadedConfig config = loader.loadString("reviews.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                spec:
                  hosts:
                  - reviews
                  http:
                  - match:
                    - headers:
                        end-user:
                          exact: jason
                    route:
                    - destination:
                        host: reviews
                        subset: v2
                    timeout: 0.5s
                  - route:
                    - destination:
                        host: reviews
                        subset: v1
                """);
        assertThat(config.errors()).isEmpty();
        VirtualService vs = (VirtualService) config.resources().get(0).spec();
        assertThat(config.resources().get(0).namespace()).isEqualTo("default");
        assertThat(vs.hosts()).containsExactly("reviews");
        assertThat(vs.http()).hasSize(2);
        assertThat(vs.http().get(0).match().get(0).headers().get("end-user").exact()).isEqualTo("jason");
        assertThat(vs.http().get(0).timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(vs.http().get(1).route().get(0).destination().subset()).isEqualTo("v1");
    }

    @Test
    void unknownFieldIsAnErrorWithSuggestionAtItsLine() {
        LoadedConfig config = loader.loadString("bad.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination:
                        host: reviews
                        subst: v1
                """);
        assertThat(lines(config)).containsExactly("bad.yaml:11: VirtualService default/reviews: "
                + "spec.http[0].route[0].destination.subst: unknown field \"subst\"; did you mean \"subset\"?");
    }

    @Test
    void allProblemsAreReportedAtOnceSortedByLine() {
        LoadedConfig config = loader.loadString("many.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                spec:
                  hostz: [reviews]
                  http:
                  - route:
                    - destination:
                        host: reviews
                      weight: heavy
                    timeout: soon
                """);
        assertThat(lines(config)).containsExactly(
                "many.yaml:6: VirtualService default/reviews: spec.hostz: unknown field \"hostz\"; did you mean \"hosts\"?",
                "many.yaml:11: VirtualService default/reviews: spec.http[0].route[0].weight: expected an integer, "
                        + "got the string \"heavy\"",
                "many.yaml:12: VirtualService default/reviews: spec.http[0].timeout: invalid duration \"soon\"; use a "
                        + "number with a unit, e.g. \"1s\", \"0.5s\", \"100ms\", \"1m\", \"1h\"");
    }

    @Test
    void linesCountFromTheTopOfAMultiDocumentFile() {
        LoadedConfig config = loader.loadString("multi.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                ---
                apiVersion: networking.istio.io/v1beta1
                kind: VirtualService
                metadata:
                  name: ratings
                  namespace: shop
                spec:
                  hosts: [ratings]
                  http:
                  - route:
                    - destination: {host: ratings, subsett: v1}
                """);
        assertThat(config.resources()).hasSize(2);
        assertThat(lines(config)).containsExactly("multi.yaml:16: VirtualService shop/ratings: "
                + "spec.http[0].route[0].destination.subsett: unknown field \"subsett\"; did you mean \"subset\"?");
    }

    @Test
    void kubernetesListItemsLoad() {
        LoadedConfig config = loader.loadString("list.yaml", """
                apiVersion: v1
                kind: List
                items:
                - apiVersion: networking.istio.io/v1alpha3
                  kind: VirtualService
                  metadata: {name: a}
                  spec:
                    hosts: [a]
                    http: [{route: [{destination: {host: a}}]}]
                - apiVersion: networking.istio.io/v1alpha3
                  kind: VirtualService
                  metadata: {name: b}
                  spec:
                    hosts: [b]
                    http: [{route: [{destination: {host: b}}]}]
                """);
        assertThat(config.errors()).isEmpty();
        assertThat(config.resources()).extracting(r -> r.name()).containsExactly("a", "b");
    }

    @Test
    void otherKubernetesKindsAreSkippedWithAnInfoLine() {
        LoadedConfig config = loader.loadString("k8s.yaml", """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: reviews}
                data:
                  key: value
                """);
        assertThat(config.resources()).isEmpty();
        assertThat(config.problems()).singleElement().satisfies(p -> {
            assertThat(p.severity()).isEqualTo(Severity.INFO);
            assertThat(p.format()).isEqualTo("info: k8s.yaml:2: ConfigMap default/reviews: kind: not an Istio "
                    + "networking resource (v1 ConfigMap); skipped");
        });
    }

    @Test
    void unimplementedIstioKindsAreSkippedWithAWarning() {
        LoadedConfig config = loader.loadString("ef.yaml", """
                apiVersion: networking.istio.io/v1alpha3
                kind: EnvoyFilter
                metadata: {name: lua, namespace: istio-system}
                spec: {configPatches: []}
                ---
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: {name: mesh-default}
                spec: {}
                """);
        assertThat(config.errors()).isEmpty();
        assertThat(lines(config)).containsExactly(
                "warning: ef.yaml:2: EnvoyFilter istio-system/lua: kind: EnvoyFilter (networking.istio.io/v1alpha3) "
                        + "is not implemented by the client-side mesh; skipped",
                "warning: ef.yaml:7: Telemetry default/mesh-default: kind: Telemetry "
                        + "(telemetry.istio.io/v1) is not implemented by the client-side mesh; skipped");
    }

    @Test
    void unsupportedApiVersionOfAKnownKindIsAnError() {
        LoadedConfig config = loader.loadString("v2.yaml", """
                apiVersion: networking.istio.io/v2
                kind: VirtualService
                metadata: {name: a}
                spec: {hosts: [a]}
                """);
        assertThat(lines(config)).containsExactly("v2.yaml:1: VirtualService default/a: apiVersion: unsupported "
                + "version \"networking.istio.io/v2\"; use networking.istio.io/v1 (v1beta1 and v1alpha3 are accepted too)");
    }

    @Test
    void missingNameIsRequiredAtTheMetadataLine() {
        LoadedConfig config = loader.loadString("noname.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  namespace: shop
                spec: {hosts: [a]}
                """);
        assertThat(lines(config)).containsExactly("noname.yaml:3: VirtualService: metadata.name: required");
    }

    @Test
    void duplicateResourceNamesBothLocations(@TempDir Path dir) throws IOException {
        String vs = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http: [{route: [{destination: {host: reviews}}]}]
                """;
        Files.writeString(dir.resolve("a.yaml"), vs);
        Files.writeString(dir.resolve("b.yaml"), "# a comment first\n" + vs);
        LoadedConfig config = loader.load(List.of(dir));
        assertThat(lines(config)).containsExactly(dir.resolve("b.yaml") + ":4: VirtualService default/reviews: "
                + "metadata.name: duplicate VirtualService default/reviews; already defined at " + dir.resolve("a.yaml")
                + ":1");
    }

    @Test
    void directoriesAreSearchedRecursivelyForYamlYmlAndJson(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("sub/deeper"));
        Files.writeString(dir.resolve("one.yaml"), se("one"));
        Files.writeString(dir.resolve("sub/two.yml"), se("two"));
        Files.writeString(dir.resolve("sub/deeper/three.json"), """
                {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                 "metadata": {"name": "three"},
                 "spec": {"hosts": ["three.example.com"], "ports": [{"number": 80, "name": "http", "protocol": "HTTP"}],
                          "resolution": "DNS"}}
                """);
        Files.writeString(dir.resolve("notes.txt"), "not config");
        LoadedConfig config = loader.load(List.of(dir));
        assertThat(config.errors()).isEmpty();
        assertThat(config.resources(ResourceKind.SERVICE_ENTRY)).hasSize(3);
    }

    @Test
    void aConfigMapVolumeIsReadOnceThroughItsKeysAndNamedByThem(@TempDir Path dir) throws IOException {
        // The layout kubelet gives a ConfigMap volume: key -> ..data/key, ..data -> ..<timestamp>/
        Path version = Files.createDirectories(dir.resolve("..2026_12_07_01_00_00.1"));
        Files.writeString(version.resolve("one.yaml"), se("one"));
        Files.writeString(version.resolve("two.yaml"), se("two"));
        Files.createSymbolicLink(dir.resolve("..data"), version.getFileName());
        Files.createSymbolicLink(dir.resolve("one.yaml"), Path.of("..data/one.yaml"));
        Files.createSymbolicLink(dir.resolve("two.yaml"), Path.of("..data/two.yaml"));

        LoadedConfig config = loader.load(List.of(dir));

        assertThat(config.problems()).isEmpty();
        assertThat(config.resources(ResourceKind.SERVICE_ENTRY)).extracting(r -> r.source().file())
                .containsExactly(dir.resolve("one.yaml").toString(), dir.resolve("two.yaml").toString());
        assertThat(ConfigLoader.configFiles(dir)).containsExactly(dir.resolve("one.yaml"), dir.resolve("two.yaml"));
    }

    @Test
    void missingPathIsAnError(@TempDir Path dir) {
        LoadedConfig config = loader.load(List.of(dir.resolve("nope")));
        assertThat(lines(config)).containsExactly(dir.resolve("nope") + ": no such file or directory");
    }

    @Test
    void yamlSyntaxErrorNamesTheLine() {
        LoadedConfig config = loader.loadString("broken.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: a
                spec:
                  hosts: [a
                """);
        assertThat(config.errors()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("broken.yaml");
            assertThat(p.line()).isGreaterThanOrEqualTo(6);
            assertThat(p.message()).startsWith("invalid YAML: ");
        });
    }

    @Test
    void duplicateKeysAreAnError() {
        LoadedConfig config = loader.loadString("dup.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: a}
                spec:
                  hosts: [a]
                  hosts: [b]
                """);
        assertThat(lines(config)).containsExactly("dup.yaml:6: duplicate key \"hosts\" (first at line 5)");
    }

    @Test
    void deprecatedFieldsAndEnumAliasesWarn() {
        LoadedConfig config = loader.loadString("old.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy:
                    loadBalancer:
                      simple: LEAST_CONN
                """);
        assertThat(config.errors()).isEmpty();
        assertThat(config.warnings()).extracting(Problem::format).anySatisfy(line -> assertThat(line)
                .startsWith("warning: old.yaml:8: DestinationRule default/reviews: "
                        + "spec.trafficPolicy.loadBalancer.simple: LEAST_CONN is deprecated"));
    }

    @Test
    void unsupportedFieldsWarnButLoad() {
        LoadedConfig config = loader.loadString("cors.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: a}
                spec:
                  hosts: [a]
                  http:
                  - route: [{destination: {host: a}}]
                    corsPolicy:
                      allowMethods: [GET]
                """);
        assertThat(config.errors()).isEmpty();
        assertThat(config.warnings()).extracting(Problem::format).anySatisfy(line -> assertThat(line)
                .startsWith("warning: cors.yaml:8: VirtualService default/a: spec.http[0].corsPolicy: \"corsPolicy\" "
                        + "is not supported by the client-side mesh and has no effect"));
    }

    @Test
    void loadOrThrowCarriesStructuredProblems(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("bad.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: a}
                spec:
                  hosts: [a]
                  htp: []
                  http: [{route: [{destination: {host: a}}]}]
                """);
        assertThatThrownBy(() -> loader.loadOrThrow(List.of(dir)))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.errors()).singleElement().satisfies(p -> {
                        assertThat(p.line()).isEqualTo(6);
                        assertThat(p.kind()).isEqualTo("VirtualService");
                        assertThat(p.namespace()).isEqualTo("default");
                        assertThat(p.name()).isEqualTo("a");
                        assertThat(p.path()).isEqualTo("spec.htp");
                        assertThat(p.message()).isEqualTo("unknown field \"htp\"; did you mean \"http\"?");
                    });
                    assertThat(e.getMessage()).contains("bad.yaml:6:");
                });
    }

    @Test
    void stringsMustBeQuotedWhenTheyLookLikeNumbers() {
        LoadedConfig config = loader.loadString("num.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: a}
                spec:
                  hosts: [a]
                  http:
                  - route: [{destination: {host: a, subset: 1}}]
                """);
        assertThat(lines(config)).containsExactly("num.yaml:7: VirtualService default/a: "
                + "spec.http[0].route[0].destination.subset: expected a string, got the number 1; quote it: \"1\"");
    }

    @Test
    void emptyDocumentsBetweenAndAfterSeparatorsAreIgnored() {
        LoadedConfig config = loader.loadString("seps.yaml", "---\n" + se("one") + "---\n---\n" + se("two") + "---\n");
        assertThat(config.problems()).isEmpty();
        assertThat(config.resources()).hasSize(2);
    }

    private static String se(String name) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s.example.com]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: DNS
                """.formatted(name, name);
    }
}
