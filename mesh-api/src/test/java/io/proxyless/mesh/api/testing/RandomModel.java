package io.proxyless.mesh.api.testing;

import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded generator of arbitrary model values, built by reflection over the record components so it covers
 * every field of every kind without being kept in sync by hand. Values are type-correct but not necessarily
 * valid Istio config: good for round trips and for feeding the validator.
 */
public final class RandomModel {
    /** Strings chosen to trip up YAML writers and readers: look-alike numbers, booleans, nulls, syntax. */
    private static final String[] TRICKY = {
        "reviews", "v1", "end-user", "jason", "/api/v1", "*.example.com", "true", "false", "null", "~", "yes",
        "no", "on", "123", "1.5", "0x1F", "1e3", "- item", "a: b", "#hash", "  padded  ", "quote\"d", "it's",
        "line\nbreak", "tab\tbed", "ünïcødé", "[x]", "{y}", "&anchor", "*alias", "!tag", "%", "@", "`", "",
        "-", ".", "1s", "2026-11-24", "0", "-1", "NaN", ".inf"
    };

    private final Random random;
    private final int maxDepth;

    public RandomModel(long seed) {
        this(seed, 6);
    }

    public RandomModel(long seed, int maxDepth) {
        this.random = new Random(seed);
        this.maxDepth = maxDepth;
    }

    public Random random() {
        return random;
    }

    @SuppressWarnings("unchecked")
    public <T> T next(Class<T> type) {
        return (T) value(type, 0);
    }

    private Object value(Type type, int depth) {
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (raw.isRecord()) {
            return record(raw, depth);
        }
        if (List.class.isAssignableFrom(raw)) {
            int n = depth >= maxDepth ? 0 : random.nextInt(3);
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Object v = value(((ParameterizedType) type).getActualTypeArguments()[0], depth + 1);
                if (v != null) {
                    list.add(v);
                }
            }
            return list;
        }
        if (Map.class.isAssignableFrom(raw)) {
            int n = depth >= maxDepth ? 0 : random.nextInt(3);
            Map<String, Object> map = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                Object v = value(((ParameterizedType) type).getActualTypeArguments()[1], depth + 1);
                if (v != null) {
                    map.put(key(), v);
                }
            }
            return map;
        }
        if (raw == String.class) {
            return TRICKY[random.nextInt(TRICKY.length)];
        }
        if (raw == Integer.class || raw == int.class) {
            return random.nextBoolean() ? random.nextInt(100) : random.nextInt();
        }
        if (raw == Long.class || raw == long.class) {
            return random.nextBoolean() ? (long) random.nextInt(100) : random.nextLong();
        }
        if (raw == Double.class || raw == double.class) {
            return random.nextBoolean() ? random.nextInt(101) : random.nextDouble() * 100;
        }
        if (raw == Boolean.class || raw == boolean.class) {
            return random.nextBoolean();
        }
        if (raw == Duration.class) {
            return random.nextBoolean() ? Duration.ofMillis(random.nextInt(100_000))
                    : Duration.ofSeconds(random.nextInt(10_000), random.nextInt(1_000_000_000));
        }
        if (raw.isEnum()) {
            Object[] constants = raw.getEnumConstants();
            return constants[random.nextInt(constants.length)];
        }
        throw new IllegalStateException("no generator for " + type);
    }

    private String key() {
        String[] keys = {"end-user", "x-request-id", "version", "app", "Cookie", "zone", "a.b/c", "123", "true"};
        return keys[random.nextInt(keys.length)] + (random.nextInt(4) == 0 ? "-" + random.nextInt(10) : "");
    }

    private Object record(Class<?> type, int depth) {
        RecordComponent[] components = type.getRecordComponents();
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            boolean set = components[i].getType().isPrimitive() || (depth < maxDepth && random.nextInt(3) != 0);
            args[i] = set ? value(components[i].getGenericType(), depth + 1) : null;
        }
        try {
            Constructor<?> c = type.getDeclaredConstructor(types);
            c.setAccessible(true);
            return c.newInstance(args);
        } catch (ReflectiveOperationException e) {
            // A record with an invariant refused this combination; an empty instance is still a valid sample.
            Object[] empty = new Object[components.length];
            try {
                Constructor<?> c = type.getDeclaredConstructor(types);
                return c.newInstance(empty);
            } catch (ReflectiveOperationException again) {
                throw new IllegalStateException("cannot build " + type, again);
            }
        }
    }
}
