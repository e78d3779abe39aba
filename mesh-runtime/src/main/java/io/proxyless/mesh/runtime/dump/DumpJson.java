package io.proxyless.mesh.runtime.dump;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.api.ConnectionPoolSettings;
import io.proxyless.mesh.api.HTTPDirectResponse;
import io.proxyless.mesh.api.HTTPRedirect;
import io.proxyless.mesh.api.HTTPRewrite;
import io.proxyless.mesh.api.Headers;
import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.OutlierDetection;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.loader.ConfigWriter;
import io.proxyless.mesh.api.loader.Durations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;

/**
 * The JSON form of a {@link MeshDump}: records by their components in declaration order (their maps are sorted),
 * unset values as {@code null}, durations as protobuf JSON strings, Istio config blocks in Istio's own field names
 * (as {@code ConfigWriter} writes them) and problems with their location parts plus the {@code mesh validate}
 * line.
 */
final class DumpJson {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(module())
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private DumpJson() {
    }

    static String write(MeshDump dump) {
        try {
            return JSON.writeValueAsString(dump);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tree {@link #write} would print, parsed back (so numbers have the node types a reader sees). */
    static JsonNode tree(MeshDump dump) {
        try {
            return JSON.readTree(write(dump));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SimpleModule module() {
        SimpleModule module = new SimpleModule("mesh-dump");
        module.addSerializer(Duration.class, new StdSerializer<>(Duration.class) {
            @Override
            public void serialize(Duration value, JsonGenerator gen, SerializerProvider provider) throws IOException {
                gen.writeString(Durations.formatProtoJson(value));
            }
        });
        module.addSerializer(Problem.class, new StdSerializer<>(Problem.class) {
            @Override
            public void serialize(Problem p, JsonGenerator gen, SerializerProvider provider) throws IOException {
                gen.writeStartObject();
                gen.writeStringField("severity", p.severity().name());
                writeIfSet(gen, "file", p.file());
                if (p.line() > 0) {
                    gen.writeNumberField("line", p.line());
                }
                writeIfSet(gen, "kind", p.kind());
                writeIfSet(gen, "namespace", p.namespace());
                writeIfSet(gen, "name", p.name());
                writeIfSet(gen, "path", p.path());
                writeIfSet(gen, "code", p.code());
                gen.writeStringField("message", p.message());
                gen.writeStringField("text", p.format());
                gen.writeEndObject();
            }
        });
        for (Class<?> block : List.of(LoadBalancerSettings.class, ConnectionPoolSettings.class,
                OutlierDetection.class, ClientTLSSettings.class, Headers.class, HTTPRewrite.class,
                HTTPRedirect.class, HTTPDirectResponse.class)) {
            addIstioBlock(module, block);
        }
        return module;
    }

    private static <T> void addIstioBlock(SimpleModule module, Class<T> type) {
        module.addSerializer(type, new StdSerializer<>(type) {
            @Override
            public void serialize(T value, JsonGenerator gen, SerializerProvider provider) throws IOException {
                gen.writeObject(ConfigWriter.valueToTree(value));
            }
        });
    }

    private static void writeIfSet(JsonGenerator gen, String field, String value) throws IOException {
        if (value != null) {
            gen.writeStringField(field, value);
        }
    }
}
