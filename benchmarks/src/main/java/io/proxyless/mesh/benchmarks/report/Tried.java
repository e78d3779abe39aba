package io.proxyless.mesh.benchmarks.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What was tried for each family of goals, written once by the people who tried it (the resource
 * {@code tried.md} beside this class: {@code # family} headings, each followed by a paragraph), and printed under
 * the goals table for the families with a goal missed in this run. A goal belongs to the family whose heading its
 * name starts with (the longest one). The measured reason stays in the goals table; this is the history a
 * measurement cannot give.
 */
final class Tried {
    private final Map<String, String> byFamily;

    private Tried(Map<String, String> byFamily) {
        this.byFamily = byFamily;
    }

    static Tried load() {
        try (InputStream in = Tried.class.getResourceAsStream("tried.md")) {
            if (in == null) {
                return new Tried(Map.of());
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Tried parse(String text) {
        Map<String, String> byFamily = new LinkedHashMap<>();
        String family = null;
        StringBuilder paragraph = new StringBuilder();
        for (String line : (text + "\n# \n").split("\n")) {
            if (line.startsWith("# ")) {
                if (family != null && !paragraph.toString().isBlank()) {
                    byFamily.put(family, paragraph.toString().trim().replaceAll("\\s*\n\\s*", " "));
                }
                family = line.substring(2).trim();
                paragraph.setLength(0);
            } else if (family != null && !line.startsWith("<!--")) {
                paragraph.append(line).append('\n');
            }
        }
        return new Tried(byFamily);
    }

    /** The family a goal belongs to, or null. */
    String familyOf(String goal) {
        String best = null;
        for (String family : byFamily.keySet()) {
            if (goal.startsWith(family) && (best == null || family.length() > best.length())) {
                best = family;
            }
        }
        return best;
    }

    /** A section for the missed goals' families, in the resource's order; empty when none of them has a text. */
    String section(List<String> missedGoals) {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, String> e : byFamily.entrySet()) {
            if (missedGoals.stream().anyMatch(g -> e.getKey().equals(familyOf(g)))) {
                s.append("* **").append(e.getKey()).append("**: ").append(e.getValue()).append('\n');
            }
        }
        return s.isEmpty() ? "" : "### What was tried for the goals missed\n\n" + s + '\n';
    }
}
