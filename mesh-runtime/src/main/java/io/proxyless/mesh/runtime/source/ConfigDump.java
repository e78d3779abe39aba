package io.proxyless.mesh.runtime.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.runtime.config.MeshConfig;

/**
 * The config dump of a source that holds Istio resources (files, a fixed config): one entry per resource in
 * force, all {@code ACKED} at the snapshot's version, so that it reads like the xDS source's dump.
 *
 * <pre>{@code
 * {"source": "FileConfigSource", "meshConfigVersion": 3,
 *  "resources": [{"type": "VirtualService", "name": "default/reviews", "version": "3", "status": "ACKED",
 *                 "error": null, "file": "mesh/reviews.yaml"}, ...],
 *  "warnings": [...], "lastProblems": [...]}
 * }</pre>
 */
public final class ConfigDump {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ConfigDump() {
    }

    /** The dump of {@code source}'s current config and last problems. */
    public static String of(ConfigSource source) {
        ObjectNode root = JSON.createObjectNode();
        MeshConfig config = source.current();
        root.put("source", source.getClass().getSimpleName());
        root.put("meshConfigVersion", config.version());
        ArrayNode resources = root.putArray("resources");
        for (Resource<?> r : config.resources()) {
            ObjectNode o = resources.addObject();
            o.put("type", r.kind().kindName());
            o.put("name", r.metadata().key());
            o.put("version", Long.toString(config.version()));
            o.put("status", "ACKED");
            o.putNull("error");
            if (r.source().file() != null) {
                o.put("file", r.source().file());
            }
        }
        ArrayNode warnings = root.putArray("warnings");
        config.warnings().stream().map(Problem::format).forEach(warnings::add);
        ArrayNode problems = root.putArray("lastProblems");
        source.lastProblems().stream().filter(Problem::blocksConfig).map(Problem::format).forEach(problems::add);
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the config dump", e);
        }
    }
}
