package io.proxyless.mesh.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.api.loader.LoadedConfig;
import io.proxyless.mesh.runtime.tls.TlsFileReferences;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mesh validate [--namespace NS] [--verbose] [--strict] [--output text|json] PATH...}: loads Istio config
 * the way the mesh would, runs Istio's cross-resource analyses over it, and prints every problem, one per line, as
 * {@code FILE:LINE: KIND NS/NAME: FIELD_PATH: MESSAGE}; an analysis finding carries Istio's code before the message
 * ({@code [IST0101] Referenced host not found: "reviews.prod"}).
 *
 * <p>Problems go to standard output (they are the result); the summary line, such as
 * {@code 2 errors, 1 warning in 3 files}, goes to standard error. With {@code --output json} standard output is one
 * JSON object instead: {@code problems} (each with {@code severity}, {@code code}, {@code file}, {@code line},
 * {@code kind}, {@code namespace}, {@code name}, {@code path}, {@code message} and {@code text}, infos included)
 * and the counts. The exit status is 1 when there are errors (validation errors and analysis findings of
 * severity error alike), with {@code --strict} also when there are warnings, and 0 otherwise.
 */
@Command(
        name = "validate",
        description = {
            "Checks Istio config files and reports every problem with its file and line.",
            "",
            "Loads VirtualService, DestinationRule, ServiceEntry, WorkloadEntry, Gateway and Sidecar resources (and"
                    + " Kubernetes Services, EndpointSlices, Endpoints, Pods and Namespaces) the way the mesh would,"
                    + " runs Istio's analyses (istioctl analyze) over them, and prints each problem as"
                    + " FILE:LINE: KIND NS/NAME: FIELD: [CODE] MESSAGE on standard output; the summary line goes to"
                    + " standard error.",
            "",
            "Exits with 1 when there are errors (with --strict: errors or warnings).",
            ""
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  mesh validate examples/config",
            "  mesh validate -n shop --verbose reviews-vs.yaml rules/",
            "  mesh validate --strict --output json k8s/"
        })
public final class ValidateCommand implements Callable<Integer> {
    /** A Kubernetes namespace name is a DNS-1123 label. */
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    @Spec
    private CommandSpec spec;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = ConfigLoader.DEFAULT_NAMESPACE,
            description = "Namespace for resources that set no metadata.namespace (default: ${DEFAULT-VALUE}).")
    private String namespace;

    @Option(names = "--verbose",
            description = "Also print info lines, such as non-Istio documents that were skipped.")
    private boolean verbose;

    @Option(names = "--strict",
            description = "Fail (exit status 1) on warnings too, not only on errors: for CI gates.")
    private boolean strict;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "text (one line per problem) or json (one object with every problem and the counts).")
    private String output;

    @Parameters(paramLabel = "PATH", arity = "1..*",
            description = "Files, or directories to search recursively for YAML and JSON files.")
    private List<Path> paths;

    @Override
    public Integer call() {
        checkArguments();
        // Certificate files a DestinationRule names are checked too: a client applying this config would reject it.
        LoadedConfig config = TlsFileReferences.check(ConfigLoader.create().withDefaultNamespace(namespace)
                .load(paths));

        PrintWriter out = spec.commandLine().getOut();
        int errors = 0;
        int warnings = 0;
        int infos = 0;
        for (Problem problem : config.problems()) {
            switch (problem.severity()) {
                case ERROR -> errors++;
                case WARNING -> warnings++;
                case INFO -> infos++;
            }
            if (!json() && (problem.severity() != Severity.INFO || verbose)) {
                out.println(problem.format());
            }
        }
        int files = countConfigFiles(paths);
        if (json()) {
            out.println(toJson(config.problems(), errors, warnings, infos, files));
        }
        out.flush();
        spec.commandLine().getErr().println(summary(errors, warnings, infos, files));
        boolean failed = errors > 0 || (strict && warnings > 0);
        return failed ? MeshCommand.CONFIG_ERRORS : MeshCommand.OK;
    }

    private boolean json() {
        return output.equals("json");
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The JSON form of {@code --output json}; every problem, infos included, in report order. */
    static String toJson(List<Problem> problems, int errors, int warnings, int infos, int files) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("problems");
        for (Problem p : problems) {
            ObjectNode node = list.addObject();
            node.put("severity", p.severity().name());
            node.put("code", p.code());
            node.put("file", p.file());
            node.put("line", p.line());
            node.put("kind", p.kind());
            node.put("namespace", p.namespace());
            node.put("name", p.name());
            node.put("path", p.path());
            node.put("message", p.message());
            node.put("text", p.format());
        }
        root.put("errors", errors);
        root.put("warnings", warnings);
        root.put("infos", infos);
        root.put("files", files);
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /** Usage errors the option parser cannot see: a missing path is a typo on the command line, not bad config. */
    private void checkArguments() {
        if (!output.equals("text") && !output.equals("json")) {
            throw new ParameterException(spec.commandLine(), "invalid --output '" + output + "': use text or json");
        }
        if (!NAMESPACE.matcher(namespace).matches()) {
            throw new ParameterException(spec.commandLine(),
                    "invalid namespace '" + namespace + "': use lower-case letters, digits and '-' (at most 63)");
        }
        List<String> missing = paths.stream().filter(path -> !Files.exists(path)).map(Path::toString).toList();
        if (!missing.isEmpty()) {
            throw new ParameterException(spec.commandLine(),
                    "no such file or directory: " + String.join(", ", missing));
        }
    }

    private String summary(int errors, int warnings, int infos, int files) {
        String summary = plural(errors, "error") + ", " + plural(warnings, "warning");
        if (verbose && infos > 0) {
            summary += ", " + plural(infos, "info");
        }
        summary += " in " + plural(files, "file");
        if (!verbose && infos > 0) {
            summary += " (" + plural(infos, "info") + " not shown; use --verbose)";
        }
        return summary;
    }

    private static String plural(int count, String noun) {
        return count + " " + noun + (count == 1 ? "" : "s");
    }

    /**
     * The number of files the loader reads: each file named on the command line, plus every {@code *.yaml},
     * {@code *.yml} and {@code *.json} below each named directory. Unreadable folders are skipped here; the loader
     * reports them.
     */
    static int countConfigFiles(List<Path> paths) {
        Set<Path> files = new HashSet<>();
        for (Path path : paths) {
            if (!Files.isDirectory(path)) {
                files.add(path.toAbsolutePath().normalize());
                continue;
            }
            try {
                Files.walkFileTree(path, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                        if (attributes.isRegularFile() && isConfigFileName(file)) {
                            files.add(file.toAbsolutePath().normalize());
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException failure) {
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files.size();
    }

    private static boolean isConfigFileName(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json");
    }
}
