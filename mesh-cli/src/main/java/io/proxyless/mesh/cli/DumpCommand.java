package io.proxyless.mesh.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proxyless.mesh.api.loader.ConfigWriter;
import io.proxyless.mesh.runtime.Mesh;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code mesh dump}: prints the compiled config snapshot a client would run with, as one JSON object (see
 * {@link SnapshotJson}): services and endpoints, route tables per host, clusters with their merged policies,
 * and the warnings found while loading and compiling; in xDS mode also every xDS resource with its status.
 */
@Command(
        name = "dump",
        description = {
            "Prints the compiled config a client would run with, as one JSON object: services with their endpoints,"
                    + " the route table of every host, clusters with their merged DestinationRule policy,"
                    + " connection-pool limits and outlier-detection state, the outboundTrafficPolicy, and the"
                    + " problems (in the validate format) and warnings found while loading and compiling.",
            "With --bootstrap, 'xds' also lists every xDS resource received, with its version, status (ACKED,"
                    + " NACKED, REQUESTED, DOES_NOT_EXIST) and error.",
            "Never performs DNS.",
            ""
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:the snapshot was printed (warnings allowed)",
            "1:the config has errors (listed on stderr), or no complete config came from the xDS server",
            "2:usage error, or an unusable bootstrap file",
            "3:internal failure (a bug: please report it)",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  mesh dump --config examples/config",
            "  mesh dump --bootstrap /etc/istio/proxy/grpc-bootstrap.json"
        })
final class DumpCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Mixin
    MeshOptions options;

    @Override
    public Integer call() throws JsonProcessingException {
        // An invalid config throws ConfigException here: MeshCommand prints its problems and exits 1.
        try (Mesh mesh = options.build()) {
            Map<String, Object> json = SnapshotJson.describe(mesh.snapshot(), options.describeSource());
            if (options.xds()) {
                // The xDS side of the story: what the control plane sent and whether each resource was accepted.
                json.put("xds", JSON.readValue(mesh.configDump(), Object.class));
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(ConfigWriter.treeToJson(json));
            out.flush();
            return MeshCommand.OK;
        }
    }
}
