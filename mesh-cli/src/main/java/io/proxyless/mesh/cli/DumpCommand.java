package io.proxyless.mesh.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.proxyless.mesh.runtime.Mesh;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mesh dump}: prints {@link Mesh#dump()}, the compiled view a client would run with, as one JSON object
 * (services and endpoints, route tables per host, clusters with their merged policies and health, warnings),
 * after a {@code source} key saying where the config came from; in xDS mode an {@code xds} key adds every xDS
 * resource with its status. {@code --received} prints only what the config source received
 * ({@link Mesh#configDump()}).
 */
@Command(
        name = "dump",
        description = {
            "Prints the compiled config a client would run with, as one JSON object: services with their endpoints,"
                    + " the route table of every host, clusters with their merged DestinationRule policy, endpoint"
                    + " health (ejected, in flight) and the TLS mode each endpoint gets, connection-pool limits and"
                    + " outlier-detection state, the"
                    + " outboundTrafficPolicy, and the warnings found while loading and compiling.",
            "With --bootstrap, 'xds' also lists every xDS resource received, with its version, status (ACKED,"
                    + " NACKED, REQUESTED, DOES_NOT_EXIST) and error.",
            "With --received, prints only what the config source received, before compiling.",
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
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Mixin
    MeshOptions options;

    @Option(names = "--received",
            description = "Print what the config source received instead of the compiled view: the Istio"
                    + " resources loaded from files, or the xDS resources with their status.")
    boolean received;

    @Override
    public Integer call() throws JsonProcessingException {
        // An invalid config throws ConfigException here: MeshCommand prints its problems and exits 1.
        try (Mesh mesh = options.build()) {
            ObjectNode json = JSON.createObjectNode();
            if (received) {
                json = (ObjectNode) JSON.readTree(mesh.configDump());
            } else {
                json.set("source", JSON.valueToTree(options.describeSource()));
                json.setAll((ObjectNode) mesh.dump().toJsonTree());
                if (options.xds()) {
                    // The xDS side of the story: what the control plane sent and whether each resource was accepted.
                    json.set("xds", JSON.readTree(mesh.configDump()));
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(JSON.writeValueAsString(json));
            out.flush();
            return MeshCommand.OK;
        }
    }
}
