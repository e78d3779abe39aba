package io.proxyless.mesh.cli;

import io.proxyless.mesh.api.loader.Suggestions;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.routing.RouteAction;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code mesh route-check} tests file, read and checked completely before anything is routed, so that a typo
 * in a test is reported with its line instead of showing up as a puzzling FAIL.
 *
 * <pre>{@code
 * tests:                                   # optional: the file may be the list itself
 * - name: jason sees reviews v2
 *   request:
 *     method: GET                          # default GET
 *     url: http://reviews:9080/reviews/1
 *     headers: {end-user: jason}
 *   expect:                                # every key optional, at least one required
 *     virtualService: default/reviews
 *     route: 0                             # index, or the route's name
 *     host: reviews
 *     subset: v2
 *     action: forward                      # forward | redirect | directResponse | reject
 *     status: 200
 *     redirect: https://reviews:9080/v2    # the Location
 *     weights: {v1: 50, v3: 50}            # percent, checked by sampling
 *     tolerance: 2                         # percentage points for weights (default 2)
 * }</pre>
 */
final class RouteTestFile {
    static final double DEFAULT_TOLERANCE = 2.0;

    private static final List<String> TOP_KEYS = List.of("tests");
    private static final List<String> CASE_KEYS = List.of("name", "request", "expect");
    private static final List<String> REQUEST_KEYS = List.of("method", "url", "headers");
    private static final List<String> EXPECT_KEYS = List.of("virtualService", "route", "host", "subset", "action",
            "status", "redirect", "weights", "tolerance");
    /** A tests file is small; anything nested deeper than this is not one. */
    private static final int MAX_DEPTH = 50;
    private static final YAMLFactory YAML = YAMLFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();

    /**
     * One test case.
     *
     * @param name         as written
     * @param line         the line the case starts on
     * @param method       HTTP method
     * @param url          the URL the client calls
     * @param headers      request headers
     * @param expectations what must hold, in the order written
     */
    record TestCase(String name, int line, String method, String url, Map<String, String> headers,
                    List<RouteExpectation> expectations) {

        boolean needsSamples() {
            return expectations.stream().anyMatch(RouteExpectation::needsSamples);
        }

        RouteRequest request() {
            RouteRequest.Builder builder = RouteRequest.builder(method, url);
            headers.forEach(builder::header);
            return builder.build();
        }
    }

    /** The file cannot be read or is ill-formed; every problem found, each as {@code FILE:LINE: message}. */
    static final class InvalidTestsFileException extends Exception {
        private final List<String> problems;

        InvalidTestsFileException(List<String> problems) {
            super(String.join("\n", problems));
            this.problems = List.copyOf(problems);
        }

        List<String> problems() {
            return problems;
        }
    }

    /** A parsed YAML value (map, list, scalar or null) and the line it is written on. */
    private record Node(Object value, int line) {
        @SuppressWarnings("unchecked")
        Map<String, Node> map() {
            return (Map<String, Node>) value;
        }

        @SuppressWarnings("unchecked")
        List<Node> list() {
            return (List<Node>) value;
        }

        boolean isMap() {
            return value instanceof Map;
        }

        boolean isScalar() {
            return value instanceof String || value instanceof Number || value instanceof Boolean;
        }
    }

    /** Thrown by the tree reader for problems that stop parsing (syntax errors, duplicate keys). */
    private static final class SyntaxError extends Exception {
        final int line;

        SyntaxError(int line, String message) {
            super(message);
            this.line = line;
        }
    }

    private final String file;
    private final List<String> problems = new ArrayList<>();

    private RouteTestFile(String file) {
        this.file = file;
    }

    /** Reads and checks {@code path}. */
    static List<TestCase> read(Path path) throws InvalidTestsFileException {
        RouteTestFile reader = new RouteTestFile(path.toString());
        String text;
        try {
            if (Files.isDirectory(path)) {
                throw new InvalidTestsFileException(List.of(path + ": cannot read tests file: is a directory"));
            }
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new InvalidTestsFileException(List.of(path + ": cannot read tests file: no such file"));
        } catch (AccessDeniedException e) {
            throw new InvalidTestsFileException(List.of(path + ": cannot read tests file: permission denied"));
        } catch (MalformedInputException e) {
            throw new InvalidTestsFileException(List.of(path + ": cannot read tests file: not UTF-8 text"));
        } catch (IOException e) {
            throw new InvalidTestsFileException(List.of(path + ": cannot read tests file: " + e));
        }
        List<TestCase> cases = reader.parse(text);
        if (!reader.problems.isEmpty()) {
            throw new InvalidTestsFileException(reader.problems);
        }
        return cases;
    }

    private List<TestCase> parse(String text) {
        Node root;
        try {
            root = readTree(text);
        } catch (SyntaxError e) {
            problem(e.line, e.getMessage());
            return List.of();
        }
        if (root == null || root.value() == null) {
            problem(1, "no test cases: the file must be a list of cases, or have a top-level \"tests\" list");
            return List.of();
        }
        Node list = root;
        if (root.isMap()) {
            checkKeys(root, TOP_KEYS, "the top level");
            list = root.map().get("tests");
            if (list == null) {
                problem(root.line(), "missing \"tests\": the file must be a list of cases, or have a top-level "
                        + "\"tests\" list");
                return List.of();
            }
        }
        if (!(list.value() instanceof List)) {
            problem(list.line(), "expected a list of test cases, got " + describe(list));
            return List.of();
        }
        if (list.list().isEmpty()) {
            problem(list.line(), "no test cases");
            return List.of();
        }
        List<TestCase> cases = new ArrayList<>();
        for (int i = 0; i < list.list().size(); i++) {
            TestCase c = testCase(list.list().get(i), i + 1);
            if (c != null) {
                cases.add(c);
            }
        }
        return cases;
    }

    private TestCase testCase(Node node, int number) {
        if (!node.isMap()) {
            problem(node.line(), "test case " + number + ": expected a map with name, request and expect, got "
                    + describe(node));
            return null;
        }
        Map<String, Node> c = node.map();
        Node nameNode = c.get("name");
        boolean named = nameNode != null && nameNode.isScalar() && !nameNode.value().toString().isBlank();
        String name = named ? nameNode.value().toString() : null;
        String where = named ? "test \"" + name + "\"" : "test case " + number;
        if (!named) {
            problem(nameNode == null ? node.line() : nameNode.line(), where + ": missing \"name\"");
        }
        checkKeys(node, CASE_KEYS, where);

        String method = "GET";
        String url = null;
        Map<String, String> headers = new LinkedHashMap<>();
        Node request = c.get("request");
        if (request == null || !request.isMap()) {
            problem(request == null ? node.line() : request.line(), where + ": "
                    + (request == null ? "missing \"request\"" : "\"request\" must be a map with url, method and "
                    + "headers, got " + describe(request)));
        } else {
            checkKeys(request, REQUEST_KEYS, where + ": request");
            Map<String, Node> r = request.map();
            method = r.containsKey("method") ? string(r.get("method"), where + ": request.method") : "GET";
            url = string(r.get("url"), where + ": request.url");
            if (r.get("url") == null) {
                problem(request.line(), where + ": missing \"request.url\"");
            }
            Node h = r.get("headers");
            if (h != null && h.value() != null) {
                if (!h.isMap()) {
                    problem(h.line(), where + ": request.headers must be a map of NAME: VALUE, got " + describe(h));
                } else {
                    h.map().forEach((headerName, value) -> {
                        if (!value.isScalar()) {
                            problem(value.line(), where + ": request.headers." + headerName
                                    + " must be a single value, got " + describe(value));
                        } else {
                            headers.put(headerName, value.value().toString());
                        }
                    });
                }
            }
            if (url != null && method != null) {
                try {
                    RouteRequest.builder(method, url);
                } catch (IllegalArgumentException e) {
                    problem(r.get("url").line(), where + ": request.url: invalid URL " + url + ": " + e.getMessage());
                    url = null;
                }
            }
        }

        List<RouteExpectation> expectations = new ArrayList<>();
        Node expect = c.get("expect");
        if (expect == null || !expect.isMap() || expect.map().isEmpty()) {
            problem(expect == null ? node.line() : expect.line(), where + ": "
                    + (expect == null ? "missing \"expect\""
                    : expect.isMap() ? "\"expect\" is empty: say what must hold"
                    : "\"expect\" must be a map, got " + describe(expect)));
        } else {
            checkKeys(expect, EXPECT_KEYS, where + ": expect");
            expectations(expect.map(), where + ": expect.", expectations);
        }
        if (name == null || url == null || method == null || expectations.isEmpty()) {
            return null;
        }
        return new TestCase(name, node.line(), method, url, Map.copyOf(headers), List.copyOf(expectations));
    }

    private void expectations(Map<String, Node> e, String where, List<RouteExpectation> out) {
        for (Map.Entry<String, Node> entry : e.entrySet()) {
            String key = entry.getKey();
            Node v = entry.getValue();
            switch (key) {
                case "virtualService" -> out.add(new RouteExpectation.VirtualService(nullableString(v, where + key)));
                case "subset" -> out.add(new RouteExpectation.Subset(nullableString(v, where + key)));
                case "route" -> {
                    if (v.value() == null) {
                        out.add(new RouteExpectation.Route(null, null));
                    } else if (v.value() instanceof Integer i && i >= 0) {
                        out.add(new RouteExpectation.Route(i, null));
                    } else if (v.value() instanceof String s && !s.isEmpty()) {
                        out.add(new RouteExpectation.Route(null, s));
                    } else {
                        problem(v.line(), where + key + " must be a route index (0, 1, ...) or a route name, got "
                                + describe(v));
                    }
                }
                case "host" -> {
                    String host = string(v, where + key);
                    if (host != null) {
                        out.add(new RouteExpectation.Host(host.toLowerCase(Locale.ROOT)));
                    }
                }
                case "redirect" -> {
                    String location = string(v, where + key);
                    if (location != null) {
                        out.add(new RouteExpectation.Redirect(location));
                    }
                }
                case "action" -> {
                    RouteAction action = action(v);
                    if (action == null) {
                        problem(v.line(), where + key + " must be one of forward, redirect, directResponse, reject; "
                                + "got " + describe(v));
                    } else {
                        out.add(new RouteExpectation.Action(action));
                    }
                }
                case "status" -> {
                    if (v.value() instanceof Integer status && status >= 100 && status <= 599) {
                        out.add(new RouteExpectation.Status(status));
                    } else {
                        problem(v.line(), where + key + " must be an HTTP status (100-599), got " + describe(v));
                    }
                }
                case "weights" -> weights(e, v, where, out);
                default -> {
                    // tolerance is read with weights; unknown keys were reported by checkKeys
                }
            }
        }
        if (e.containsKey("tolerance") && !e.containsKey("weights")) {
            problem(e.get("tolerance").line(), where + "tolerance applies to weights, and there are none");
        }
    }

    private void weights(Map<String, Node> e, Node v, String where, List<RouteExpectation> out) {
        double tolerance = DEFAULT_TOLERANCE;
        Node t = e.get("tolerance");
        if (t != null) {
            if (t.value() instanceof Number n && n.doubleValue() >= 0 && n.doubleValue() <= 100) {
                tolerance = n.doubleValue();
            } else {
                problem(t.line(), where + "tolerance must be a number of percentage points (0-100), got "
                        + describe(t));
                return;
            }
        }
        if (!v.isMap() || v.map().isEmpty()) {
            problem(v.line(), where + "weights must be a map of SUBSET: PERCENT, got " + describe(v));
            return;
        }
        Map<String, Double> weights = new LinkedHashMap<>();
        boolean ok = true;
        for (Map.Entry<String, Node> w : v.map().entrySet()) {
            if (w.getValue().value() instanceof Number n && n.doubleValue() >= 0 && n.doubleValue() <= 100) {
                weights.put(w.getKey(), n.doubleValue());
            } else {
                problem(w.getValue().line(), where + "weights." + w.getKey() + " must be a percentage (0-100), got "
                        + describe(w.getValue()));
                ok = false;
            }
        }
        if (ok) {
            out.add(new RouteExpectation.Weights(weights, tolerance));
        }
    }

    private static RouteAction action(Node v) {
        if (!(v.value() instanceof String s)) {
            return null;
        }
        for (RouteAction a : RouteAction.values()) {
            if (a.jsonName().equalsIgnoreCase(s) || a.name().equalsIgnoreCase(s)) {
                return a;
            }
        }
        return null;
    }

    /** A required string; null (after reporting) when missing or not a string. */
    private String string(Node v, String where) {
        if (v == null) {
            return null;
        }
        if (v.value() == null || !v.isScalar() || v.value().toString().isEmpty()) {
            problem(v.line(), where + " must be a non-empty string, got " + describe(v));
            return null;
        }
        return v.value().toString();
    }

    /** A string where an explicit null means "none". */
    private String nullableString(Node v, String where) {
        return v.value() == null ? null : string(v, where);
    }

    private void checkKeys(Node map, List<String> known, String where) {
        for (Map.Entry<String, Node> e : map.map().entrySet()) {
            if (!known.contains(e.getKey())) {
                String suggestion = suggest(e.getKey(), known);
                problem(e.getValue().line(), where + ": unknown key \"" + e.getKey() + "\""
                        + (suggestion != null ? "; did you mean \"" + suggestion + "\"?"
                        : "; known keys: " + String.join(", ", known)));
            }
        }
    }

    /** The known key closest to {@code key} (case, or at most two edits apart), or null. */
    private static String suggest(String key, List<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = k.equalsIgnoreCase(key) ? 0 : Suggestions.editDistance(k.toLowerCase(Locale.ROOT), key.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    private static String describe(Node v) {
        Object value = v.value();
        if (value == null) {
            return "nothing (null)";
        }
        if (value instanceof Map) {
            return "a map";
        }
        if (value instanceof List) {
            return "a list";
        }
        return value instanceof String s ? "\"" + s + "\"" : value.toString();
    }

    private void problem(int line, String message) {
        problems.add(file + (line > 0 ? ":" + line : "") + ": " + message);
    }

    // --- a YAML tree with line numbers (Jackson's own trees drop locations) ---

    private static Node readTree(String text) throws SyntaxError {
        try (JsonParser parser = YAML.createParser(text)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                return null;
            }
            Node root = readValue(parser, token, lineOf(parser));
            if (parser.nextToken() != null) {
                throw new SyntaxError(lineOf(parser), "more than one YAML document: put every test case in one list");
            }
            return root;
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getLineNr());
            throw new SyntaxError(line, "invalid YAML: "
                    + e.getOriginalMessage().lines().findFirst().orElse("syntax error"));
        } catch (IOException e) {
            throw new SyntaxError(0, "cannot read: " + e.getMessage());
        }
    }

    private static Node readValue(JsonParser parser, JsonToken token, int line) throws IOException, SyntaxError {
        switch (token) {
            case START_OBJECT: {
                Map<String, Node> map = new LinkedHashMap<>();
                JsonToken t;
                while ((t = parser.nextToken()) != JsonToken.END_OBJECT) {
                    String key = parser.currentName();
                    int keyLine = lineOf(parser);
                    if (map.containsKey(key)) {
                        throw new SyntaxError(keyLine, "duplicate key \"" + key + "\"");
                    }
                    // A value is reported at its key's line: that is where a reader looks for it.
                    map.put(key, readValue(parser, parser.nextToken(), keyLine));
                }
                return new Node(map, line);
            }
            case START_ARRAY: {
                List<Node> list = new ArrayList<>();
                JsonToken t;
                while ((t = parser.nextToken()) != JsonToken.END_ARRAY) {
                    list.add(readValue(parser, t, lineOf(parser)));
                }
                return new Node(list, line);
            }
            case VALUE_STRING:
                return new Node(parser.getText(), line);
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return new Node(parser.getNumberValue(), line);
            case VALUE_TRUE:
                return new Node(Boolean.TRUE, line);
            case VALUE_FALSE:
                return new Node(Boolean.FALSE, line);
            case VALUE_NULL:
                return new Node(null, line);
            default:
                throw new SyntaxError(line, "unexpected YAML content (" + token + ")");
        }
    }

    private static int lineOf(JsonParser parser) {
        return Math.max(0, parser.currentTokenLocation().getLineNr());
    }
}
