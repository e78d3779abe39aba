package io.proxyless.mesh.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.cli.MeshCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * Every code block of {@code docs/getting-started.md} is checked against the real thing: Java blocks compile
 * against the modules, the Maven block matches the BOM, YAML blocks are excerpts of the example config, and each
 * {@code $ mesh ...} command of a {@code console} block prints what the page shows ({@code ...} stands for any
 * number of lines).
 */
class GettingStartedDocTest {
    /** The tests run in {@code examples/}; the page's paths are relative to the repository root. */
    private static final Path ROOT = Path.of("..");
    private static final Path DOC = ROOT.resolve("docs/getting-started.md");

    private record Block(String language, int line, List<String> lines) {
        String text() {
            return String.join("\n", lines) + "\n";
        }
    }

    private static List<Block> blocks() throws IOException {
        List<String> doc = Files.readAllLines(DOC, StandardCharsets.UTF_8);
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < doc.size(); i++) {
            if (!doc.get(i).startsWith("```")) {
                continue;
            }
            int start = i + 1;
            String language = doc.get(i).substring(3).trim();
            List<String> body = new ArrayList<>();
            for (i++; i < doc.size() && !doc.get(i).startsWith("```"); i++) {
                body.add(doc.get(i));
            }
            out.add(new Block(language, start, body));
        }
        return out;
    }

    private static List<Block> blocks(String language) throws IOException {
        return blocks().stream().filter(b -> b.language().equals(language)).toList();
    }

    @Test
    void everyBlockIsOfAKindThisTestChecks() throws IOException {
        List<Block> blocks = blocks();

        assertThat(blocks).extracting(Block::language).allMatch(Set.of("xml", "yaml", "java", "console")::contains)
                .contains("xml", "yaml", "java", "console");
    }

    @Test
    void javaBlocksCompileAgainstTheModules(@TempDir Path dir) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<Block> java = blocks("java");
        assertThat(java).hasSizeGreaterThanOrEqualTo(3);
        for (int n = 0; n < java.size(); n++) {
            Block b = java.get(n);
            StringBuilder imports = new StringBuilder();
            StringBuilder body = new StringBuilder();
            for (String line : b.lines()) {
                (line.startsWith("import ") ? imports : body).append(line).append('\n');
            }
            String name = "Snippet" + n;
            Path source = dir.resolve(name + ".java");
            Files.writeString(source, imports + "\nclass " + name + " {\n    static void run() throws Exception {\n"
                    + body + "    }\n}\n");
            ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
            int status = javac.run(null, diagnostics, diagnostics, "-proc:none", "-d", dir.toString(),
                    "-classpath", classpath, source.toString());
            assertThat(status).as("java block at docs/getting-started.md:%d does not compile:%n%s", b.line(),
                    diagnostics.toString(StandardCharsets.UTF_8)).isZero();
        }
    }

    @Test
    void mavenBlockImportsTheBomAndUsesModulesItManages() throws Exception {
        List<Block> xml = blocks("xml");
        assertThat(xml).hasSize(3);
        Document snippet = parse("<project>" + xml.get(0).text() + "</project>");
        Document bom = parse(Files.readString(ROOT.resolve("mesh-bom/pom.xml")));
        String bomVersion = childText(bom.getDocumentElement(), "version");
        Map<String, String> managed = new HashMap<>();
        NodeList managedDeps = bom.getElementsByTagName("dependency");
        for (int i = 0; i < managedDeps.getLength(); i++) {
            Element d = (Element) managedDeps.item(i);
            managed.put(childText(d, "groupId") + ":" + childText(d, "artifactId"), childText(d, "version"));
        }

        NodeList deps = snippet.getElementsByTagName("dependency");
        assertThat(deps.getLength()).isEqualTo(4);
        Element imported = (Element) deps.item(0);
        assertThat(List.of(childText(imported, "groupId"), childText(imported, "artifactId"),
                childText(imported, "version"), childText(imported, "type"), childText(imported, "scope")))
                .containsExactly("io.proxyless", "mesh-bom", bomVersion, "pom", "import");
        for (int i = 1; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            String key = childText(d, "groupId") + ":" + childText(d, "artifactId");
            assertThat(managed).as("the BOM manages " + key).containsKey(key);
            assertThat(childText(d, "version")).as(key + " takes its version from the BOM").isNull();
        }
    }

    /**
     * The OkHttp 4 section's dependencies are those of {@code mesh-okhttp4-test}, whose tests run mesh-okhttp on
     * that class path, and its OkHttp version is the one the build manages for the OkHttp 4 line.
     */
    @Test
    void okHttp4BlockIsTheClassPathMeshOkhttp4TestRunsOn() throws Exception {
        Block block = blocks("xml").get(2);
        Document snippet = parse("<project>" + block.text() + "</project>");
        Document module = parse(Files.readString(ROOT.resolve("mesh-okhttp4-test/pom.xml")));
        Document parent = parse(Files.readString(ROOT.resolve("pom.xml")));
        String okhttp4 = parent.getElementsByTagName("okhttp4.version").item(0).getTextContent().trim();

        List<String> documented = new ArrayList<>();
        NodeList deps = snippet.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            documented.add(childText(d, "groupId") + ":" + childText(d, "artifactId"));
            if ("okhttp".equals(childText(d, "artifactId"))) {
                assertThat(childText(d, "version")).as("OkHttp 4 version at docs/getting-started.md:%d", block.line())
                        .isEqualTo(okhttp4);
            }
        }
        List<String> tested = new ArrayList<>();
        Element moduleDeps = (Element) module.getElementsByTagName("dependencies").item(1); // after management
        NodeList moduleDep = moduleDeps.getElementsByTagName("dependency");
        for (int i = 0; i < moduleDep.getLength(); i++) {
            Element d = (Element) moduleDep.item(i);
            if (childText(d, "scope") == null) {
                tested.add(childText(d, "groupId") + ":" + childText(d, "artifactId"));
            }
        }
        assertThat(documented).containsExactly("io.proxyless:mesh-okhttp", "com.squareup.okhttp3:okhttp")
                .isEqualTo(tested);
    }

    @Test
    void yamlBlocksAreExcerptsOfTheExampleConfig() throws IOException {
        List<String> files = new ArrayList<>();
        for (String dir : List.of("examples/config", "examples/scenarios")) {
            try (Stream<Path> walk = Files.walk(ROOT.resolve(dir))) {
                for (Path p : walk.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                    files.add(Files.readString(p));
                }
            }
        }
        List<Block> yaml = blocks("yaml");
        assertThat(yaml).isNotEmpty();
        for (Block b : yaml) {
            assertThat(files).as("yaml block at docs/getting-started.md:%d is not an excerpt of examples/", b.line())
                    .anyMatch(f -> f.contains(b.text()));
        }
    }

    static Stream<Arguments> commands() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (Block b : blocks("console")) {
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
            assertThat(command).as("console block at docs/getting-started.md:%d has no command", b.line())
                    .isNotNull();
            out.add(Arguments.of(command, expected));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void meshCommandPrintsWhatThePageShows(String command, List<String> expected) {
        List<String> words = words(command);
        assertThat(words.get(0)).as(command).isEqualTo("mesh");
        String[] args = words.subList(1, words.size()).stream()
                .map(w -> w.startsWith("examples/") ? ROOT.resolve(w).toString() : w).toArray(String[]::new);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int status = MeshCommand.run(args, new PrintWriter(out), new PrintWriter(err));

        List<String> actual = (out.toString() + err).replace(ROOT + "/examples/", "examples/").lines().toList();
        assertThat(status).as("exit status of `%s`", command).isZero();
        assertThat(matches(expected, 0, actual, 0))
                .as("`%s` printed%n%s%ninstead of%n%s", command, String.join("\n", actual),
                        String.join("\n", expected))
                .isTrue();
    }

    /** Line by line, where a line {@code ...} in {@code expected} stands for any number of lines. */
    private static boolean matches(List<String> expected, int e, List<String> actual, int a) {
        if (e == expected.size()) {
            return a == actual.size();
        }
        if (expected.get(e).equals("...")) {
            for (int skip = a; skip <= actual.size(); skip++) {
                if (matches(expected, e + 1, actual, skip)) {
                    return true;
                }
            }
            return false;
        }
        return a < actual.size() && expected.get(e).equals(actual.get(a)) && matches(expected, e + 1, actual, a + 1);
    }

    /** Splits a command line the way a POSIX shell does for the page's commands: spaces, single quotes. */
    private static List<String> words(String command) {
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean inWord = false;
        for (char c : command.toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
                inWord = true;
            } else if (c == ' ' && !quoted) {
                if (inWord) {
                    out.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            out.add(word.toString());
        }
        return out;
    }

    private static Document parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new InputSource(new StringReader(xml)));
    }

    /** Text of {@code parent}'s direct child element {@code name}, or null. */
    private static String childText(Element parent, String name) {
        NodeList children = parent.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().trim();
            }
        }
        return null;
    }
}
