package io.proxyless.mesh.api.loader;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;

/** "Did you mean …?" for misspelt field names, enum values and keys. */
public final class Suggestions {
    private Suggestions() {
    }

    /** The closest known name, if it is close enough to be the likely intent (typo, case, plural); else null. */
    public static String closest(String given, Collection<String> known) {
        String lower = given.toLowerCase(Locale.ROOT);
        return known.stream()
                .map(k -> Map.entry(k, editDistance(lower, k.toLowerCase(Locale.ROOT))))
                .filter(e -> e.getValue() <= Math.max(2, Math.min(given.length(), e.getKey().length()) / 3))
                .min(Comparator.comparingInt((Map.Entry<String, Integer> e) -> e.getValue())
                        .thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey)
                .orElse(null);
    }

    /** Levenshtein distance: single-character insertions, deletions and substitutions. */
    public static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
