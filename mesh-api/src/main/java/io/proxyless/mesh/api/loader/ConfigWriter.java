package io.proxyless.mesh.api.loader;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.proxyless.mesh.api.Resource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes resources back as Istio YAML or JSON, using Istio's field names and duration strings. Loading what
 * this writes gives back equal resources (the round trip the property tests check).
 */
public final class ConfigWriter {
    private static final ObjectMapper YAML = configure(YAMLMapper.builder(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build()).build());
    private static final ObjectMapper JSON = configure(JsonMapper.builder().build())
            .enable(SerializationFeature.INDENT_OUTPUT);
    // Plain trees (CLI output) keep their nulls: a JSON contract that says "null" must print null.
    private static final ObjectMapper TREE_JSON = JsonMapper.builder().build()
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ConfigWriter() {
    }

    private static ObjectMapper configure(ObjectMapper mapper) {
        SimpleModule module = new SimpleModule("istio-durations");
        module.addSerializer(Duration.class, new StdSerializer<>(Duration.class) {
            @Override
            public void serialize(Duration value, JsonGenerator gen, SerializerProvider provider) throws IOException {
                gen.writeString(Durations.format(value));
            }
        });
        // Records are written from their components only: helper methods (isEmpty(), describe()) are not fields.
        mapper.registerModule(module)
                .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
                .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
                .setSerializationInclusion(JsonInclude.Include.NON_NULL)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
        // Unset collections are empty in the model; leave them out. Scalars are written whenever they are set,
        // even when empty (an empty string is a value in a oneof such as StringMatch.exact).
        JsonInclude.Value nonEmpty = JsonInclude.Value.construct(JsonInclude.Include.NON_EMPTY, null);
        mapper.configOverride(List.class).setInclude(nonEmpty);
        mapper.configOverride(Map.class).setInclude(nonEmpty);
        return mapper;
    }

    /** The resources as a multi-document YAML stream. */
    public static String toYaml(List<? extends Resource<?>> resources) {
        StringBuilder out = new StringBuilder();
        for (Resource<?> r : resources) {
            out.append("---\n").append(write(YAML, envelope(r)));
        }
        return out.toString();
    }

    /** One resource as pretty JSON, in the Kubernetes envelope. */
    public static String toJson(Resource<?> resource) {
        return write(JSON, envelope(resource));
    }

    /** Any model value (a spec or part of one) as pretty JSON with Istio's field names. */
    public static String valueToJson(Object value) {
        return write(JSON, value);
    }

    /** Any model value as a JSON-ready tree of maps, lists and scalars, with Istio's field names. */
    @SuppressWarnings("unchecked")
    public static Object valueToTree(Object value) {
        return value == null ? null : JSON.convertValue(value, Object.class);
    }

    /** Pretty JSON for a tree of maps, lists and scalars (e.g. CLI output). */
    public static String treeToJson(Object tree) {
        return write(TREE_JSON, tree);
    }

    private static Map<String, Object> envelope(Resource<?> r) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", r.name());
        metadata.put("namespace", r.namespace());
        if (!r.metadata().labels().isEmpty()) {
            metadata.put("labels", r.metadata().labels());
        }
        if (!r.metadata().annotations().isEmpty()) {
            metadata.put("annotations", r.metadata().annotations());
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("apiVersion", r.apiVersion());
        doc.put("kind", r.kind().kindName());
        doc.put("metadata", metadata);
        doc.put("spec", r.spec());
        return doc;
    }

    private static String write(ObjectMapper mapper, Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
