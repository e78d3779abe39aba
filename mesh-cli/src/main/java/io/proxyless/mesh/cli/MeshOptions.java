package io.proxyless.mesh.cli;

import static io.proxyless.mesh.cli.DecisionJson.map;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.xds.XdsBootstrapException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options shared by the commands that build a mesh ({@code route}, {@code route-check}, {@code dump}): where
 * the config comes from — Istio YAML files, or an xDS control plane named by a bootstrap file — and who the
 * client is.
 */
final class MeshOptions {

    /** Files or xDS: exactly one. */
    static final class Source {
        @Option(names = "--config", paramLabel = "PATH", required = true,
                description = "Istio YAML/JSON file or directory (repeatable).")
        List<Path> configs = new ArrayList<>();

        @Option(names = "--bootstrap", paramLabel = "FILE", required = true,
                description = "Take the config from the xDS server named in this grpc-java bootstrap file "
                        + "(as istio-agent writes it) instead; waits up to 30 s for a complete config.")
        Path bootstrap;
    }

    /** The way a command cannot get a mesh, with the exit status it means. */
    static final class MeshUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        MeshUnavailableException(String message, int status) {
            super(message);
            this.status = status;
        }
    }

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = "default",
            description = "The client's namespace (default: ${DEFAULT-VALUE}; with --bootstrap, the node's).")
    String namespace;

    @Option(names = "--source-labels", paramLabel = "k=v", split = ",",
            description = "The client's workload labels, e.g. app=productpage,version=v1.")
    Map<String, String> sourceLabels = new LinkedHashMap<>();

    @Option(names = "--auto-mtls", paramLabel = "true|false", defaultValue = "true", arity = "1",
            description = "Istio's auto mTLS (MeshConfig enableAutoMtls) for --config: without DestinationRule tls, "
                    + "ISTIO_MUTUAL to endpoints labelled security.istio.io/tlsMode=istio, plain text to the others "
                    + "(default: ${DEFAULT-VALUE}, Istio's default; with --bootstrap the control plane decides).")
    boolean autoMtls;

    boolean xds() {
        return source.bootstrap != null;
    }

    /**
     * Builds the mesh, compiled once and not watched. Invalid file config throws {@link
     * io.proxyless.mesh.api.ConfigException}, which {@link MeshCommand} reports in the validate format (exit 1).
     *
     * @throws ParameterException        a config path or the bootstrap file does not exist (exit 2)
     * @throws MeshUnavailableException a bootstrap that cannot be used (2) or no complete config from the xDS
     *                                   server in time (1)
     */
    Mesh build() {
        CommandLine commandLine = spec.commandLine();
        Mesh.Builder builder = Mesh.builder().namespace(namespace).sourceLabels(sourceLabels).watch(false);
        if (!xds()) {
            for (Path p : source.configs) {
                if (!Files.exists(p)) {
                    throw new ParameterException(commandLine, "no such file or directory: " + p);
                }
            }
            return builder.configPaths(source.configs).autoMtls(autoMtls).build();
        }
        if (!Files.isRegularFile(source.bootstrap)) {
            throw new ParameterException(commandLine, "no such file: " + source.bootstrap);
        }
        try {
            return builder.xdsBootstrap(source.bootstrap).build();
        } catch (XdsBootstrapException e) {
            throw new MeshUnavailableException(e.getMessage(), MeshCommand.USAGE);
        } catch (IllegalStateException e) {
            // The source gave up waiting for a complete config; the message names the server and what is missing.
            throw new MeshUnavailableException(e.getMessage(), MeshCommand.CONFIG_ERRORS);
        }
    }

    /** Where the config came from, for JSON output. */
    Map<String, Object> describeSource() {
        return xds() ? map("type", "xds", "bootstrap", source.bootstrap.toString())
                : map("type", "file", "paths", source.configs.stream().map(Path::toString).toList());
    }
}
