package io.proxyless.mesh.api.loader;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.Metadata;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.SourceInfo;
import io.proxyless.mesh.api.testing.RandomModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Property: model → YAML → model is the identity, for every kind and every field. */
class RoundTripPropertyTest {
    private static final int CASES_PER_KIND = 300;

    @Test
    void everyKindSurvivesYamlRoundTrip() {
        for (ResourceKind kind : ResourceKind.values()) {
            for (int i = 0; i < CASES_PER_KIND; i++) {
                long seed = kind.ordinal() * 1_000_000L + i;
                Object spec = new RandomModel(seed).next(kind.specType());
                Resource<?> resource = new Resource<>(kind, kind.apiVersion(),
                        Metadata.of("r" + i, "ns" + kind.ordinal()), spec, SourceInfo.NONE);
                String yaml = ConfigWriter.toYaml(List.of(resource));
                LoadedConfig loaded = ConfigLoader.create().loadString("roundtrip.yaml", yaml);
                List<String> bindErrors = new ArrayList<>();
                loaded.errors().stream()
                        .filter(p -> p.message().startsWith("unknown field") || p.message().startsWith("expected")
                                || p.message().startsWith("invalid value \"") || p.message().startsWith("invalid YAML")
                                || p.message().startsWith("invalid duration"))
                        .forEach(p -> bindErrors.add(p.format()));
                assertThat(bindErrors).as("seed %d, kind %s, yaml:%n%s", seed, kind, yaml).isEmpty();
                assertThat(loaded.resources()).as("seed %d, kind %s, yaml:%n%s", seed, kind, yaml).hasSize(1);
                assertThat(loaded.resources().get(0).spec()).as("seed %d, kind %s, yaml:%n%s", seed, kind, yaml)
                        .isEqualTo(spec);
            }
        }
    }

    @Test
    void jsonOutputLoadsBackToo() {
        for (int i = 0; i < 200; i++) {
            Object spec = new RandomModel(7_000 + i).next(ResourceKind.VIRTUAL_SERVICE.specType());
            Resource<?> resource = new Resource<>(ResourceKind.VIRTUAL_SERVICE, "networking.istio.io/v1",
                    Metadata.of("vs", "default"), spec, SourceInfo.NONE);
            String json = ConfigWriter.toJson(resource);
            LoadedConfig loaded = ConfigLoader.create().loadString("roundtrip.json", json);
            assertThat(loaded.resources()).as("seed %d:%n%s", 7_000 + i, json).hasSize(1);
            assertThat(loaded.resources().get(0).spec()).as("seed %d:%n%s", 7_000 + i, json).isEqualTo(spec);
        }
    }
}
