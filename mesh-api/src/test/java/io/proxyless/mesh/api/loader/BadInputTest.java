package io.proxyless.mesh.api.loader;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.VirtualService;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input that is not config at all (huge files and lines, deep nesting, aliases that expand without bound) is
 * rejected quickly with its file and line; anchors and aliases are read as Kubernetes reads them, never misread.
 */
class BadInputTest {
    private final ConfigLoader loader = ConfigLoader.create();

    @TempDir
    Path dir;

    /** The loader's own problems; findings of the cross-resource analyses (with an IST code) are tested apart. */
    private static List<String> lines(LoadedConfig config) {
        return config.problems().stream().filter(p -> p.code() == null).map(Problem::format).toList();
    }

    private static String serviceEntry(String name) {
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

    // The YAML scanner needs minutes for 20 MB on one line; the timeout only guards against that coming back.
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void twentyMegabytesOnOneLineAreRejectedBeforeParsing() throws IOException {
        Path file = dir.resolve("junk.yaml");
        String junk = serviceEntry("ok") + "---\nkind: " + "x".repeat(20 * 1024 * 1024) + "\n";
        Files.writeString(file, junk);

        LoadedConfig config = loader.load(List.of(file));

        assertThat(lines(config)).containsExactly(file + ":9: line longer than 2097152 characters (20971526); "
                + "split long lists and strings over several lines");
        assertThat(config.resources()).as("nothing of a file that is not parsed").isEmpty();
    }

    @Test
    void aLineOfExactlyTheLimitIsParsedAndOneCharacterMoreIsNot() {
        String key = "    description: ";
        String atLimit = "x".repeat(ConfigLoader.MAX_LINE_CHARS - key.length());
        assertThat(lines(loader.loadString("over.yaml", destinationRule(atLimit + "x")))).containsExactly(
                "over.yaml:6: line longer than 2097152 characters (2097153); split long lists and strings over several "
                        + "lines");
        LoadedConfig config = loader.loadString("long.yaml", destinationRule(atLimit));
        assertThat(lines(config)).isEmpty();
        assertThat(config.resources()).hasSize(1);
    }

    private static String destinationRule(String description) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: reviews
                  annotations:
                    description: %s
                spec:
                  host: reviews
                """.formatted(description);
    }

    @Test
    void lineNumbersOfLongLinesCountEveryKindOfLineBreak() {
        String text = "a: 1\r\nb: 2\rc: 3\n" + "d: " + "x".repeat(ConfigLoader.MAX_LINE_CHARS) + "\n";
        assertThat(lines(loader.loadString("breaks.yaml", text))).singleElement()
                .satisfies(line -> assertThat(line).startsWith("breaks.yaml:4: line longer than 2097152 characters"));
    }

    @Test
    void jsonMayBeWrittenOnOneLine() throws IOException {
        String json = "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"ServiceEntry\",\"metadata\":{\"name\":"
                + "\"se\",\"annotations\":{\"note\":\"" + "x".repeat(ConfigLoader.MAX_LINE_CHARS) + "\"}},\"spec\":"
                + "{\"hosts\":[\"se.example.com\"],\"ports\":[{\"number\":80,\"name\":\"http\",\"protocol\":\"HTTP\"}],"
                + "\"resolution\":\"DNS\"}}";
        Path file = Files.writeString(dir.resolve("one-line.json"), json);

        LoadedConfig config = loader.load(List.of(file));

        assertThat(config.errors()).isEmpty();
        assertThat(config.resources()).hasSize(1);
    }

    @Test
    void aFileOverTheSizeLimitIsNotRead() throws IOException {
        Path file = dir.resolve("huge.yaml");
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(ConfigLoader.MAX_FILE_BYTES + 1);
        }
        Path good = Files.writeString(dir.resolve("good.yaml"), serviceEntry("good"));

        LoadedConfig config = loader.load(List.of(file, good));

        assertThat(lines(config)).containsExactly(file + ": too large (33554433 bytes, limit 33554432)");
        assertThat(config.resources()).as("the other files still load").hasSize(1);
    }

    @Test
    void nestingTooDeepNamesTheLineWhereItGoesTooDeep() {
        // The top-level map is level 1; line 3 + k opens level k + 1, so level 201 opens on line 203.
        StringBuilder yaml = new StringBuilder("apiVersion: v1\nkind: List\nitems:\n");
        for (int level = 1; level <= 205; level++) {
            yaml.append("  ".repeat(level)).append("- \n");
        }
        assertThat(lines(loader.loadString("deep.yaml", yaml.toString())))
                .containsExactly("deep.yaml:203: nesting deeper than 200 levels");
        String json = "[".repeat(201) + "]".repeat(201);
        assertThat(lines(loader.loadString("deep.json", json)))
                .containsExactly("deep.json:1: nesting deeper than 200 levels");
        String deepest = "[".repeat(200) + "]".repeat(200);
        assertThat(lines(loader.loadString("ok.json", deepest))).as("200 levels are allowed")
                .containsExactly("ok.json:1: expected a Kubernetes resource (a map with apiVersion, kind, metadata, "
                        + "spec), got a list");
    }

    // ---------------------------------------------------------------- anchors and aliases, as Kubernetes reads them

    @Test
    void aScalarAliasStandsForTheAnchoredValueNotForTheAnchorName() {
        LoadedConfig config = loader.loadString("alias.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{headers: {end-user: {exact: jason}}}]
                    route:
                    - destination: {host: reviews, subset: &s v1}
                  - route:
                    - destination: {host: reviews, subset: *s}
                """);
        assertThat(config.errors()).isEmpty();
        VirtualService vs = (VirtualService) config.resources().get(0).spec();
        assertThat(vs.http()).extracting(r -> r.route().get(0).destination().subset()).containsExactly("v1", "v1");
    }

    @Test
    void collectionAliasesAndMergeKeysExpandAndWrittenKeysWin() {
        LoadedConfig config = loader.loadString("merge.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /a}}]
                    retries: &retries {attempts: 3, perTryTimeout: 2s}
                    route: [{destination: {host: reviews}}]
                  - retries:
                      <<: *retries
                      attempts: 5
                    route: [{destination: {host: reviews}}]
                """);
        assertThat(config.errors()).isEmpty();
        VirtualService vs = (VirtualService) config.resources().get(0).spec();
        assertThat(vs.http().get(0).retries().attempts()).isEqualTo(3);
        assertThat(vs.http().get(1).retries().attempts()).isEqualTo(5);
        assertThat(vs.http().get(1).retries().perTryTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aProblemWithAnAliasedScalarPointsAtTheAlias() {
        LoadedConfig config = loader.loadString("num.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: a, labels: {n: &one "1"}}
                spec:
                  hosts: [a]
                  http:
                  - route: [{destination: {host: a, port: {number: &n 1}}}]
                  - route: [{destination: {host: a, subset: *n}}]
                """);
        assertThat(config.errors()).extracting(Problem::format).containsExactly("num.yaml:8: VirtualService default/a: "
                + "spec.http[1].route[0].destination.subset: expected a string, got the number 1; quote it: \"1\"");
    }

    @Test
    void anAliasWithoutAnchorIsAnErrorAtItsLine() {
        LoadedConfig config = loader.loadString("dangling.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: a}
                spec:
                  hosts: [a]
                  http:
                  - route: [{destination: {host: a, subset: *s}}]
                """);
        assertThat(lines(config)).containsExactly(
                "dangling.yaml:7: YAML alias *s names no anchor (&s) before it in this document");
    }

    @Test
    void anchorsDoNotReachIntoTheNextDocument() {
        LoadedConfig config = loader.loadString("two.yaml", serviceEntry("one").replace("name: one", "name: &n one")
                + "---\n" + serviceEntry("two").replace("name: two", "name: *n"));
        assertThat(lines(config)).containsExactly("two.yaml:11: YAML alias *n names no anchor (&n) before it in "
                + "this document");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void nestedAliasesThatExpandWithoutBoundAreRejected() {
        StringBuilder yaml = new StringBuilder("apiVersion: v1\nkind: List\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i <= 9; i++) {
            String previous = "*l" + (i - 1);
            yaml.append("l").append(i).append(": &l").append(i).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(9, previous))).append("]\n");
        }
        yaml.append("items: [*l9]\n");

        LoadedConfig config = loader.loadString("laughs.yaml", yaml.toString());

        assertThat(lines(config)).containsExactly(
                "laughs.yaml:8: YAML aliases expand to more than 100000 values in this document");
        assertThat(config.resources()).isEmpty();
    }
}
