package monetj.core.model;

import java.util.Collection;

/** The known key a mistyped one most likely meant, for "did you mean" hints in config errors. */
public final class NearestKey {
    private NearestKey() {}

    /** The candidate closest in edit distance, if it is close enough to be a plausible typo; else null. */
    public static String of(String word, Collection<?> candidates) {
        String best = null;
        int bestDist = Integer.MAX_VALUE;
        for (Object c : candidates) {
            int d = editDistance(word, c.toString());
            if (d < bestDist) {
                bestDist = d;
                best = c.toString();
            }
        }
        return best != null && bestDist <= Math.max(2, word.length() / 3) ? best : null;
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
