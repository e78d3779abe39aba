package io.proxyless.mesh.api.loader;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.proxyless.mesh.api.DeprecatedField;
import io.proxyless.mesh.api.NotSupported;
import io.proxyless.mesh.api.Severity;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Binds {@link YamlNode}s onto the model records by reflection over record components, the way protobuf's
 * strict JSON parser binds Istio config: unknown fields, wrong types and bad enum values are errors. Unlike a
 * parser that stops at the first error, it reports every problem and keeps going with the field unset.
 *
 * <p>One binder per resource: it remembers which field paths failed ({@link #unboundPaths()}), so validation
 * does not pile "required" messages on top of "expected a list".
 */
final class RecordBinder {

    /** A problem found while binding, before the resource context is attached. */
    record Finding(Severity severity, String path, int line, String message) {
    }

    private static final Map<Class<?>, RecordType> TYPES = new ConcurrentHashMap<>();
    private static final Map<Class<?>, EnumType> ENUMS = new ConcurrentHashMap<>();

    private final List<Finding> findings = new ArrayList<>();
    private final Set<String> unbound = new LinkedHashSet<>();

    List<Finding> findings() {
        return findings;
    }

    Set<String> unboundPaths() {
        return unbound;
    }

    /** Binds {@code node} as {@code type}; returns null (and records why) when it cannot. */
    Object bind(YamlNode node, Type type, String path) {
        return bind(node, Slot.of(type), FieldPath.root(path));
    }

    private Object bind(YamlNode node, Slot slot, FieldPath path) {
        if (node instanceof YamlNode.ScalarNode s && s.isNull()) {
            // protobuf JSON treats null as "unset", for messages and collections alike.
            return switch (slot.kind) {
                case LIST -> List.of();
                case MAP -> Map.of();
                default -> null;
            };
        }
        switch (slot.kind) {
            case RECORD:
                return bindRecord(node, slot.raw, path);
            case LIST:
                return bindList(node, slot.element, path);
            case MAP:
                return bindMap(node, slot.element, path);
            default:
                break;
        }
        Class<?> raw = slot.raw;
        if (!(node instanceof YamlNode.ScalarNode scalar)) {
            return fail(path, node.line(), "expected " + expected(raw) + ", got " + node.describe());
        }
        switch (slot.kind) {
            case STRING:
                if (scalar.type() != YamlNode.ScalarType.STRING) {
                    return fail(path, node.line(), "expected a string, got " + scalar.describe()
                            + "; quote it: \"" + scalar.text() + "\"");
                }
                return scalar.text();
            case INT: {
                BigInteger v = integer(scalar);
                if (v == null) {
                    return fail(path, node.line(), "expected an integer, got " + scalar.describe());
                }
                if (v.bitLength() > 31) {
                    return fail(path, node.line(), "integer " + v + " is out of range (32-bit)");
                }
                return v.intValue();
            }
            case LONG: {
                BigInteger v = integer(scalar);
                if (v == null) {
                    return fail(path, node.line(), "expected an integer, got " + scalar.describe());
                }
                if (v.bitLength() > 63) {
                    return fail(path, node.line(), "integer " + v + " is out of range (64-bit)");
                }
                return v.longValue();
            }
            case DOUBLE: {
                Double v = number(scalar);
                if (v == null) {
                    return fail(path, node.line(), "expected a number, got " + scalar.describe());
                }
                return v;
            }
            case BOOLEAN:
                if (scalar.type() != YamlNode.ScalarType.BOOLEAN) {
                    return fail(path, node.line(), "expected true or false, got " + scalar.describe());
                }
                return Boolean.parseBoolean(scalar.text());
            case DURATION:
                if (scalar.type() != YamlNode.ScalarType.STRING) {
                    return fail(path, node.line(), "expected a duration such as \"1s\" or \"100ms\", got "
                            + scalar.describe());
                }
                return Durations.parse(scalar.text()).orElseGet(() -> {
                    fail(path, node.line(), "invalid duration \"" + scalar.text()
                            + "\"; use a number with a unit, e.g. \"1s\", \"0.5s\", \"100ms\", \"1m\", \"1h\"");
                    return null;
                });
            case ENUM:
                return bindEnum(scalar, raw, path);
            default:
                throw new IllegalStateException("model type not bindable: " + slot.type + " at " + path);
        }
    }

    private Object bindRecord(YamlNode node, Class<?> type, FieldPath path) {
        if (!(node instanceof YamlNode.MapNode map)) {
            return fail(path, node.line(), "expected a map (" + type.getSimpleName() + "), got " + node.describe());
        }
        RecordType rt = TYPES.computeIfAbsent(type, RecordType::new);
        Object[] args = new Object[rt.components.length];
        for (YamlNode.Entry entry : map.entries()) {
            FieldPath childPath = path.field(entry.key());
            Integer index = rt.indexByName.get(entry.key());
            if (index == null) {
                String hint = Suggestions.closest(entry.key(), rt.indexByName.keySet());
                fail(childPath, entry.keyLine(), "unknown field \"" + entry.key() + "\""
                        + (hint == null ? " in " + type.getSimpleName() : "; did you mean \"" + hint + "\"?"));
                continue;
            }
            Component component = rt.components[index];
            Object value = bind(entry.value(), component.slot, childPath);
            args[index] = value;
            if ((component.deprecated != null || component.unsupported != null) && isSet(value)) {
                if (component.deprecated != null) {
                    warn(childPath, entry.keyLine(), "\"" + entry.key() + "\" is deprecated"
                            + (component.deprecated.isEmpty() ? " and has no effect; remove it"
                                    : "; use \"" + component.deprecated + "\" instead"));
                }
                if (component.unsupported != null) {
                    warn(childPath, entry.keyLine(), "\"" + entry.key()
                            + "\" is not supported by the client-side mesh and has no effect: " + component.unsupported);
                }
            }
        }
        for (int i = 0; i < args.length; i++) {
            if (args[i] == null) {
                args[i] = rt.components[i].unset;
            }
        }
        try {
            return rt.constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            // A record's own invariant (compact constructor) rejected the value: report it, don't crash.
            Throwable cause = e.getCause();
            return fail(path, node.line(), cause.getMessage() == null ? cause.toString() : cause.getMessage());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + type, e);
        }
    }

    private List<Object> bindList(YamlNode node, Slot elementType, FieldPath path) {
        if (!(node instanceof YamlNode.ListNode list)) {
            fail(path, node.line(), "expected a list, got " + node.describe());
            return null;
        }
        List<Object> out = new ArrayList<>(list.items().size());
        for (int i = 0; i < list.items().size(); i++) {
            YamlNode item = list.items().get(i);
            FieldPath itemPath = path.index(i);
            if (item instanceof YamlNode.ScalarNode s && s.isNull()) {
                fail(itemPath, item.line(), "list item must not be empty");
                continue;
            }
            Object value = bind(item, elementType, itemPath);
            if (value != null) {
                out.add(value);
            } else {
                // A dropped item shifts the indexes of later ones; leave the whole list to the binder's report so
                // validation never names the wrong item.
                unbound.add(path.toString());
            }
        }
        return out;
    }

    private Map<String, Object> bindMap(YamlNode node, Slot valueType, FieldPath path) {
        if (!(node instanceof YamlNode.MapNode map)) {
            fail(path, node.line(), "expected a map, got " + node.describe());
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (YamlNode.Entry entry : map.entries()) {
            FieldPath childPath = path.key(entry.key());
            YamlNode value = entry.value();
            Object bound;
            if (value instanceof YamlNode.ScalarNode s && s.isNull() && valueType.kind == Kind.RECORD) {
                // "headers: {x-user: }" reads as "present", exactly like "x-user: {}".
                bound = bind(new YamlNode.MapNode(List.of(), value.line()), valueType, childPath);
            } else if (value instanceof YamlNode.ScalarNode s && s.isNull()) {
                fail(childPath, entry.keyLine(), "value must not be empty");
                continue;
            } else {
                bound = bind(value, valueType, childPath);
            }
            if (bound != null) {
                out.put(entry.key(), bound);
            }
        }
        return out;
    }

    private Object bindEnum(YamlNode.ScalarNode scalar, Class<?> type, FieldPath path) {
        EnumType e = ENUMS.computeIfAbsent(type, EnumType::new);
        Enum<?> constant = scalar.type() == YamlNode.ScalarType.STRING && scalar.text() != null
                ? e.byName.get(scalar.text()) : null;
        if (constant == null) {
            String hint = scalar.text() == null ? null : Suggestions.closest(scalar.text(), e.names);
            return fail(path, scalar.line(), "invalid value " + scalar.describe().replace("the string ", "")
                    + (hint != null ? "; did you mean \"" + hint + "\"?" : "")
                    + " (expected one of " + String.join(", ", e.names) + ")");
        }
        String deprecated = e.deprecated.get(constant.name());
        if (deprecated != null) {
            warn(path, scalar.line(), scalar.text() + deprecated);
        }
        return constant;
    }

    private Object fail(FieldPath path, int line, String message) {
        String at = path.toString();
        findings.add(new Finding(Severity.ERROR, at, line, message));
        unbound.add(at);
        return null;
    }

    private void warn(FieldPath path, int line, String message) {
        findings.add(new Finding(Severity.WARNING, path.toString(), line, message));
    }

    private static boolean isSet(Object value) {
        if (value == null) {
            return false;
        }
        if (value instanceof Collection<?> c) {
            return !c.isEmpty();
        }
        if (value instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** Integers as protobuf JSON accepts them: a YAML integer, or a string holding one ("8080"). */
    private static BigInteger integer(YamlNode.ScalarNode s) {
        if (s.type() != YamlNode.ScalarType.INTEGER && s.type() != YamlNode.ScalarType.STRING
                && s.type() != YamlNode.ScalarType.FLOAT) {
            return null;
        }
        try {
            BigDecimal d = new BigDecimal(s.text().trim());
            return d.stripTrailingZeros().scale() <= 0 ? d.toBigIntegerExact() : null;
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    private static Double number(YamlNode.ScalarNode s) {
        if (s.type() != YamlNode.ScalarType.INTEGER && s.type() != YamlNode.ScalarType.FLOAT
                && s.type() != YamlNode.ScalarType.STRING) {
            return null;
        }
        try {
            double d = Double.parseDouble(s.text().trim());
            return Double.isFinite(d) ? d : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Object primitiveDefault(Class<?> type) {
        if (type == boolean.class) {
            return false;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == double.class) {
            return 0.0;
        }
        throw new IllegalStateException("unexpected primitive " + type);
    }

    private static String expected(Class<?> raw) {
        if (raw == String.class) {
            return "a string";
        }
        if (raw == Duration.class) {
            return "a duration such as \"1s\"";
        }
        if (raw.isEnum()) {
            return "one of " + Arrays.stream(raw.getEnumConstants()).map(Object::toString)
                    .collect(Collectors.joining(", "));
        }
        if (raw == Boolean.class || raw == boolean.class) {
            return "true or false";
        }
        return "a number";
    }

    static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        throw new IllegalStateException("unsupported model type " + type);
    }

    private static Type typeArgument(Type type, int index) {
        if (type instanceof ParameterizedType p) {
            return p.getActualTypeArguments()[index];
        }
        throw new IllegalStateException("raw collection type in model: " + type);
    }

    /**
     * Reflection facts about one enum type, computed once: its constants' names in order, the constants by name and
     * what a deprecated constant warns (read per value, the constants' array copies, the field lookup and its
     * annotations were work repeated for every enum value of every resource loaded).
     */
    private static final class EnumType {
        final List<String> names;
        final Map<String, Enum<?>> byName;
        final Map<String, String> deprecated;

        EnumType(Class<?> type) {
            List<String> inOrder = new ArrayList<>();
            Map<String, Enum<?>> constants = new LinkedHashMap<>();
            Map<String, String> warnings = new LinkedHashMap<>();
            for (Object c : type.getEnumConstants()) {
                Enum<?> constant = (Enum<?>) c;
                inOrder.add(constant.name());
                constants.put(constant.name(), constant);
                try {
                    java.lang.reflect.Field field = type.getField(constant.name());
                    DeprecatedField replacement = field.getAnnotation(DeprecatedField.class);
                    if (replacement != null) {
                        warnings.put(constant.name(), " is deprecated; use " + replacement.value() + " instead");
                    } else if (field.isAnnotationPresent(Deprecated.class)) {
                        warnings.put(constant.name(), " is deprecated");
                    }
                } catch (NoSuchFieldException e) {
                    throw new IllegalStateException(e);
                }
            }
            names = List.copyOf(inOrder);
            byName = Map.copyOf(constants);
            deprecated = Map.copyOf(warnings);
        }
    }

    /** Reflection facts about one record type, computed once. */
    private static final class RecordType {
        final Component[] components;
        final Map<String, Integer> indexByName = new LinkedHashMap<>();
        final Constructor<?> constructor;

        RecordType(Class<?> type) {
            RecordComponent[] recordComponents = type.getRecordComponents();
            components = new Component[recordComponents.length];
            Class<?>[] parameterTypes = new Class<?>[recordComponents.length];
            for (int i = 0; i < recordComponents.length; i++) {
                RecordComponent c = recordComponents[i];
                JsonProperty renamed = c.getAccessor().getAnnotation(JsonProperty.class);
                if (renamed == null) {
                    renamed = c.getAnnotation(JsonProperty.class);
                }
                String name = renamed != null && !renamed.value().isEmpty() ? renamed.value() : c.getName();
                indexByName.put(name, i);
                parameterTypes[i] = c.getType();
                components[i] = new Component(c);
            }
            try {
                constructor = type.getDeclaredConstructor(parameterTypes);
                constructor.setAccessible(true);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("record without canonical constructor: " + type, e);
            }
        }
    }

    /**
     * One record component's facts, read once: how its values bind, what its deprecation or lack of support warns
     * (null for nothing), and its value when not written (a primitive's default, else null). Reflecting on the
     * component's generic type and annotations per written field was work repeated for every field of every
     * resource loaded.
     */
    private static final class Component {
        final Slot slot;
        final String deprecated;
        final String unsupported;
        final Object unset;

        Component(RecordComponent c) {
            slot = Slot.of(c.getGenericType());
            DeprecatedField d = c.getAnnotation(DeprecatedField.class);
            deprecated = d == null ? null : d.value();
            NotSupported n = c.getAnnotation(NotSupported.class);
            unsupported = n == null ? null : n.value();
            unset = c.getType().isPrimitive() ? primitiveDefault(c.getType()) : null;
        }
    }

    /** What a model type binds as. */
    private enum Kind { RECORD, LIST, MAP, STRING, INT, LONG, DOUBLE, BOOLEAN, DURATION, ENUM, OTHER }

    /**
     * A model type as the binder takes it: its kind, raw class and, for a list or map, its element's (the values'
     * of a map) slot, resolved once per record component instead of per value.
     */
    private static final class Slot {
        final Type type;
        final Class<?> raw;
        final Kind kind;
        final Slot element;

        private Slot(Type type) {
            this.type = type;
            this.raw = rawClass(type);
            if (raw.isRecord()) {
                kind = Kind.RECORD;
                element = null;
            } else if (List.class.isAssignableFrom(raw)) {
                kind = Kind.LIST;
                element = of(typeArgument(type, 0));
            } else if (Map.class.isAssignableFrom(raw)) {
                kind = Kind.MAP;
                element = of(typeArgument(type, 1));
            } else {
                element = null;
                if (raw == String.class) {
                    kind = Kind.STRING;
                } else if (raw == Integer.class || raw == int.class) {
                    kind = Kind.INT;
                } else if (raw == Long.class || raw == long.class) {
                    kind = Kind.LONG;
                } else if (raw == Double.class || raw == double.class) {
                    kind = Kind.DOUBLE;
                } else if (raw == Boolean.class || raw == boolean.class) {
                    kind = Kind.BOOLEAN;
                } else if (raw == Duration.class) {
                    kind = Kind.DURATION;
                } else if (raw.isEnum()) {
                    kind = Kind.ENUM;
                } else {
                    kind = Kind.OTHER; // reported when a value is bound to it, as before
                }
            }
        }

        static Slot of(Type type) {
            return new Slot(type);
        }
    }

    /**
     * A field path ({@code spec.http[0].route}) kept as its parent and last step, and spelled out only when a finding
     * names it: most fields bind without one, and building every field's path as a string was a good part of what a
     * load allocated.
     */
    private static final class FieldPath {
        private final FieldPath parent;
        private final String key; // null for a list index
        private final int index;
        private final boolean field; // a record's field: no dot after an empty parent
        private String text;

        private FieldPath(FieldPath parent, String key, int index, boolean field, String text) {
            this.parent = parent;
            this.key = key;
            this.index = index;
            this.field = field;
            this.text = text;
        }

        static FieldPath root(String path) {
            return new FieldPath(null, null, -1, false, path);
        }

        /** A record's field: {@code key} alone under the empty path, else {@code path.key}. */
        FieldPath field(String name) {
            return new FieldPath(this, name, -1, true, null);
        }

        /** A map's key: always {@code path.key}. */
        FieldPath key(String name) {
            return new FieldPath(this, name, -1, false, null);
        }

        /** A list's item: {@code path[i]}. */
        FieldPath index(int i) {
            return new FieldPath(this, null, i, false, null);
        }

        @Override
        public String toString() {
            if (text == null) {
                String above = parent.toString();
                if (key == null) {
                    text = above + "[" + index + "]";
                } else if (field && above.isEmpty()) {
                    text = key;
                } else {
                    text = above + "." + key;
                }
            }
            return text;
        }
    }
}
