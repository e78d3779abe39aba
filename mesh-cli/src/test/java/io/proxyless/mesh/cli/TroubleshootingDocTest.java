package io.proxyless.mesh.cli;

import static io.proxyless.mesh.cli.CliRun.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code docs/troubleshooting.md} shows real commands with their real output; this runs every one again and
 * compares, so the page cannot drift from the tool. In a {@code console} block, a line starting with
 * {@code $ mesh} is a command and the lines after it are what it prints (standard output, then standard error);
 * a line {@code ...} stands for any number of lines, for excerpts of long output.
 */
class TroubleshootingDocTest {
    /** The tests run from the module folder (mesh-cli/); the doc's paths are relative to the repository root. */
    private static final Path ROOT = Path.of("..");
    private static final Path DOC = ROOT.resolve("docs/troubleshooting.md");
    private static final String ELLIPSIS = "...";

    /** A fenced code block: its language and lines, and the line of the doc it starts on. */
    private record Block(String language, int line, List<String> lines) {
    }

    private static List<Block> blocks() throws IOException {
        List<String> doc = Files.readAllLines(DOC);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < doc.size(); i++) {
            String line = doc.get(i);
            if (!line.startsWith("```") || line.length() == 3) {
                continue;
            }
            int start = i;
            List<String> body = new ArrayList<>();
            for (i++; i < doc.size() && !doc.get(i).equals("```"); i++) {
                body.add(doc.get(i));
            }
            blocks.add(new Block(line.substring(3).trim(), start + 1, body));
        }
        return blocks;
    }

    static Stream<Arguments> commands() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (Block b : blocks()) {
            if (!b.language().equals("console")) {
                continue;
            }
            String command = null;
            List<String> expected = new ArrayList<>();
            for (String line : b.lines()) {
                if (line.startsWith("$ ")) {
                    if (command != null) {
                        out.add(Arguments.of(command, expected));
                    }
                    command = line.substring(2);
                    expected = new ArrayList<>();
                } else {
                    expected.add(line);
                }
            }
            assertThat(command).as("console block at docs/troubleshooting.md:" + b.line() + " has no command")
                    .isNotNull();
            out.add(Arguments.of(command, expected));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void documentedCommandPrintsWhatTheDocShows(String command, List<String> expected) {
        List<String> words = shellWords(command);
        assertThat(words.get(0)).as(command).isEqualTo("mesh");
        String[] args = words.subList(1, words.size()).stream()
                .map(w -> w.startsWith("examples/") || w.startsWith("docs/") ? ROOT.resolve(w).toString() : w)
                .toArray(String[]::new);

        CliRun run = mesh(args);

        String prefix = ROOT + "/";
        List<String> actual = (run.out() + run.err()).replace(prefix + "examples/", "examples/")
                .replace(prefix + "docs/", "docs/").lines().toList();
        assertThat(matches(expected, actual))
                .as("output of `%s` differs from the doc.%n--- doc ---%n%s%n--- actual ---%n%s", command,
                        String.join("\n", expected), String.join("\n", actual))
                .isTrue();
    }

    @Test
    void everyToolHasAnExampleInTheDoc() throws IOException {
        List<String> commands = commands().map(a -> (String) a.get()[0]).toList();

        for (String tool : List.of("validate", "route", "route-check", "dump", "authz")) {
            assertThat(commands).as(tool).anyMatch(c -> c.startsWith("mesh " + tool + " "));
        }
    }

    @Test
    void yamlExamplesAreCopiedFromFilesTheCommandsUse() throws IOException {
        List<String> files = new ArrayList<>();
        files.add(Files.readString(ROOT.resolve("examples/route-tests.yaml")));
        try (Stream<Path> walk = Files.walk(ROOT.resolve("docs/troubleshooting"))) {
            for (Path p : walk.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                files.add(Files.readString(p));
            }
        }
        for (Block b : blocks()) {
            if (b.language().equals("yaml")) {
                String text = String.join("\n", b.lines()) + "\n";
                assertThat(files).as("yaml block at docs/troubleshooting.md:" + b.line()
                        + " is not copied from examples/route-tests.yaml or docs/troubleshooting/")
                        .anyMatch(f -> f.contains(text));
            }
        }
    }

    /** Line-by-line comparison in which an {@code ...} line of {@code expected} matches any run of lines. */
    static boolean matches(List<String> expected, List<String> actual) {
        // can[i][j]: expected[i..] matches actual[j..]
        boolean[][] can = new boolean[expected.size() + 1][actual.size() + 1];
        can[expected.size()][actual.size()] = true;
        for (int i = expected.size() - 1; i >= 0; i--) {
            boolean wildcard = expected.get(i).trim().equals(ELLIPSIS);
            for (int j = actual.size(); j >= 0; j--) {
                if (wildcard) {
                    can[i][j] = can[i + 1][j] || (j < actual.size() && can[i][j + 1]);
                } else {
                    can[i][j] = j < actual.size() && expected.get(i).equals(actual.get(j)) && can[i + 1][j + 1];
                }
            }
        }
        return can[0][0];
    }

    /** Splits a command line like a POSIX shell does for the simple cases the doc uses: blanks and quotes. */
    static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                word = word == null ? new StringBuilder() : word;
            } else if (c == ' ') {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    @Test
    void ellipsisMatchesAnyRunOfLines() {
        assertThat(matches(List.of("a", "...", "d"), List.of("a", "b", "c", "d"))).isTrue();
        assertThat(matches(List.of("a", "...", "d"), List.of("a", "d"))).isTrue();
        assertThat(matches(List.of("a", "...", "d"), List.of("a", "b", "c"))).isFalse();
        assertThat(matches(List.of("a", "b"), List.of("a", "b", "c"))).isFalse();
        assertThat(shellWords("mesh route -H 'end-user: jason' GET \"http://a/\""))
                .containsExactly("mesh", "route", "-H", "end-user: jason", "GET", "http://a/");
    }
}
