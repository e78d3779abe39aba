package io.proxyless.mesh.micrometer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Samples of a Prometheus text-format scrape, parsed just enough to check names, labels and values. */
record Scrape(String text, List<Sample> samples) {
    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    /** One sample line. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    static Scrape parse(String text) {
        List<Sample> samples = text.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).map(l -> {
            Matcher m = LINE.matcher(l);
            if (!m.matches()) {
                throw new AssertionError("not a sample line: " + l);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(3) != null) {
                Matcher lm = LABEL.matcher(m.group(3));
                while (lm.find()) {
                    labels.put(lm.group(1), lm.group(2));
                }
            }
            return new Sample(m.group(1), labels, Double.parseDouble(m.group(4)));
        }).toList();
        return new Scrape(text, samples);
    }

    /** Samples named {@code name} whose labels include {@code match}. */
    List<Sample> find(String name, Map<String, String> match) {
        return samples.stream().filter(s -> s.name().equals(name)
                && match.entrySet().stream().allMatch(e -> e.getValue().equals(s.labels().get(e.getKey()))))
                .toList();
    }

    /** The sum of the samples named {@code name} whose labels include {@code match}. */
    double sum(String name, Map<String, String> match) {
        return find(name, match).stream().mapToDouble(Sample::value).sum();
    }

    /** The {@code # TYPE} of {@code name}, or null. */
    String type(String name) {
        return text.lines().filter(l -> l.startsWith("# TYPE " + name + " ")).map(l -> l.substring(l.lastIndexOf(' ')
                + 1)).findFirst().orElse(null);
    }
}
