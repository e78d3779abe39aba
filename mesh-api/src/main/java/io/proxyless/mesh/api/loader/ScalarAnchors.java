package io.proxyless.mesh.api.loader;

import java.util.HashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;

/**
 * The anchors written on scalars ({@code subset: &s v1}), by the character offset where each scalar starts.
 * Jackson's YAML parser reports the anchors of maps and lists but drops those of scalars, so they are read here
 * from the events of the same YAML parser (snakeyaml, which Jackson is built on and brings along), whose
 * offsets are the ones Jackson reports for its tokens.
 */
final class ScalarAnchors {
    private ScalarAnchors() {
    }

    /** Offset of each anchored scalar to its anchor; empty when the text has none or does not parse. */
    static Map<Integer, String> of(String yaml) {
        if (yaml.indexOf('&') < 0) {
            return Map.of(); // no anchor can be written without '&'; most config never pays for this pass
        }
        Map<Integer, String> anchors = new HashMap<>();
        try {
            Parser parser = new ParserImpl(new StreamReader(yaml), new LoaderOptions());
            while (parser.peekEvent() != null) {
                Event event = parser.getEvent();
                if (event instanceof ScalarEvent scalar && scalar.getAnchor() != null) {
                    anchors.put(scalar.getStartMark().getIndex(), scalar.getAnchor());
                }
                if (event.is(Event.ID.StreamEnd)) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            // A syntax error: the tree reader meets it too and reports it with its line.
        }
        return anchors;
    }
}
