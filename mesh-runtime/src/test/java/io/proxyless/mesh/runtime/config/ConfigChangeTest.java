package io.proxyless.mesh.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.loader.ConfigLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigChangeTest {
    private final ConfigLoader loader = ConfigLoader.create();

    @Test
    void namesWhatWasAddedChangedAndRemovedAndIgnoresMovedLines() {
        List<Resource<?>> before = load("a.yaml", se("one", 80) + "---\n" + se("two", 80) + "---\n" + se("three", 80));
        List<Resource<?>> after = load("b.yaml", "\n\n" + se("two", 80) + "---\n" + se("three", 81) + "---\n"
                + se("four", 80));

        ConfigChange change = ConfigChange.between(before, after);

        assertThat(change.added()).containsExactly("ServiceEntry default/four");
        assertThat(change.changed()).containsExactly("ServiceEntry default/three");
        assertThat(change.removed()).containsExactly("ServiceEntry default/one");
        assertThat(change.summary()).isEqualTo("added ServiceEntry default/four; changed ServiceEntry default/three; "
                + "removed ServiceEntry default/one");
        assertThat(ConfigChange.between(before, before).summary()).isEqualTo("no resource changed");
    }

    @Test
    void aLongListIsCutAndCounted() {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < ConfigChange.NAMES_SHOWN + 3; i++) {
            yaml.append(se("s" + (char) ('a' + i), 80)).append("---\n");
        }
        ConfigChange change = ConfigChange.between(List.of(), load("many.yaml", yaml.toString()));

        assertThat(change.added()).hasSize(ConfigChange.NAMES_SHOWN + 3);
        assertThat(change.summary()).startsWith("added ServiceEntry default/sa, ").endsWith(" and 3 more");
    }

    private List<Resource<?>> load(String file, String yaml) {
        var loaded = loader.loadString(file, yaml);
        assertThat(loaded.errors()).isEmpty();
        return new ArrayList<>(loaded.resources());
    }

    private static String se(String name, int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s.example.com]
                  ports: [{number: %d, name: http, protocol: HTTP}]
                  resolution: DNS
                """.formatted(name, name, port);
    }
}
