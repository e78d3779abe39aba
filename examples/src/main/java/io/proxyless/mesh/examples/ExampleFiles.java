package io.proxyless.mesh.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The sample config the demo runs on — {@code examples/config} and {@code examples/scenarios} — and how it is
 * rendered for this run.
 *
 * <p>The files give every workload a fixed endpoint port on 127.0.0.1 ({@code 9180}–{@code 9185} for Bookinfo,
 * {@code 8081}/{@code 8082} for httpbin, {@code 8090}/{@code 8092} for the egress stand-ins). The demo's servers
 * listen on ephemeral ports instead, so a rendered copy replaces each such endpoint port by the real one — the only
 * change besides shortening the 7 s fault delay to 2 s. Service ports ({@code 9080}, {@code 8000}, {@code 80})
 * are untouched: the clients still call {@code http://reviews:9080}.
 */
final class ExampleFiles {
    /** The fault-injection task's delay, shortened so the demo stays quick. */
    static final String ORIGINAL_DELAY = "fixedDelay: 7s";
    static final String DEMO_DELAY = "fixedDelay: 2s";

    // "  http: 9183" (an endpoint's ports map) or "targetPort: 9180": a key and a port number alone on a line
    private static final Pattern PORT_LINE = Pattern.compile("(?m)^(\\s*(?:-\\s+)?[A-Za-z][A-Za-z0-9_-]*:\\s+)(\\d{2,5})(\\s*(?:#.*)?)$");
    private static final String BUNDLED = "bookinfo-demo";

    private final Path root;
    private final boolean bundled;

    private ExampleFiles(Path root, boolean bundled) {
        this.root = root;
        this.bundled = bundled;
    }

    /**
     * The examples directory: {@code dir} when given, else {@code examples/} or {@code ./} if they hold
     * {@code config/} and {@code scenarios/}, else the copy bundled in the jar, unpacked into {@code scratch}.
     */
    static ExampleFiles locate(Path dir, Path scratch) {
        if (dir != null) {
            if (!isExamples(dir)) {
                throw new IllegalArgumentException(dir + " has no config/ and scenarios/ directories");
            }
            return new ExampleFiles(dir.toAbsolutePath().normalize(), false);
        }
        for (Path candidate : List.of(Path.of("examples"), Path.of("."))) {
            if (isExamples(candidate)) {
                return new ExampleFiles(candidate.toAbsolutePath().normalize(), false);
            }
        }
        return new ExampleFiles(unpackBundled(scratch.resolve("examples")), true);
    }

    private static boolean isExamples(Path dir) {
        return Files.isDirectory(dir.resolve("config")) && Files.isDirectory(dir.resolve("scenarios"));
    }

    /** Where the files are read from, for the output. */
    String describe() {
        return bundled ? "the copy of examples/ inside the jar" : root.toString();
    }

    /**
     * Copies {@code pieces} (files or directories under the examples directory, e.g. {@code config/base}) to
     * {@code target}, keeping their relative paths, with the endpoint ports of {@code ports} replaced and the long
     * fault delay shortened. Returns the files written.
     */
    List<Path> render(List<String> pieces, Path target, Map<Integer, Integer> ports) {
        List<Path> written = new ArrayList<>();
        try {
            for (String piece : pieces) {
                Path source = root.resolve(piece);
                List<Path> files;
                try (Stream<Path> walk = Files.walk(source)) {
                    files = walk.filter(p -> Files.isRegularFile(p) && p.toString().endsWith(".yaml")).sorted()
                            .toList();
                }
                if (files.isEmpty()) {
                    throw new IllegalStateException("no YAML files in " + source);
                }
                for (Path file : files) {
                    String relative = root.relativize(file).toString();
                    Path out = target.resolve(relative);
                    Files.createDirectories(out.getParent());
                    Files.writeString(out, render(relative, Files.readString(file), ports));
                    written.add(out);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return written;
    }

    static String render(String name, String yaml, Map<Integer, Integer> ports) {
        Matcher m = PORT_LINE.matcher(yaml);
        StringBuilder out = new StringBuilder();
        List<String> changed = new ArrayList<>();
        while (m.find()) {
            int port = Integer.parseInt(m.group(2));
            Integer real = ports.get(port);
            if (real == null) {
                m.appendReplacement(out, Matcher.quoteReplacement(m.group()));
            } else {
                m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + real + m.group(3)));
                changed.add(port + " → " + real);
            }
        }
        m.appendTail(out);
        String text = out.toString();
        if (text.contains(ORIGINAL_DELAY)) {
            text = text.replace(ORIGINAL_DELAY, DEMO_DELAY);
            changed.add("7s → 2s delay");
        }
        String header = "# Rendered by the Bookinfo demo from examples/" + name
                + (changed.isEmpty() ? " (unchanged)" : ": " + String.join(", ", changed)) + "\n";
        return header + text;
    }

    // ---- the copy inside demo.jar ----

    private static Path unpackBundled(Path target) {
        URL location = ExampleFiles.class.getProtectionDomain().getCodeSource().getLocation();
        try {
            Path source = Path.of(location.toURI());
            if (Files.isDirectory(source)) { // classes directory (IDE, tests)
                Path bundled = source.resolve(BUNDLED);
                if (isExamples(bundled)) {
                    return bundled;
                }
                throw new IllegalStateException("no examples/ directory found; run from the repository root");
            }
            try (JarFile jar = new JarFile(source.toFile())) {
                Enumeration<JarEntry> entries = jar.entries();
                while (entries.hasMoreElements()) {
                    JarEntry e = entries.nextElement();
                    if (e.isDirectory() || !e.getName().startsWith(BUNDLED + "/")) {
                        continue;
                    }
                    Path out = target.resolve(e.getName().substring(BUNDLED.length() + 1)).normalize();
                    if (!out.startsWith(target)) {
                        continue;
                    }
                    Files.createDirectories(out.getParent());
                    try (InputStream in = jar.getInputStream(e)) {
                        Files.copy(in, out);
                    }
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
