package monetj.core.interp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The paper's domain-specialisation rule (spec §11.3): expert (i, j) of a group belongs to domain D when its
 * routing probability on D (its mean score over all of D's tokens) is at least {@code ratio} times that of the
 * second most activated domain, and positive. Each domain gets the mask of its own experts.
 */
public final class SkewSelection {
    private SkewSelection() {}

    public static Map<String, ExpertMask> select(Map<String, ExpertAtlas> domains, double ratio) throws IOException {
        if (domains.size() < 2) throw new IllegalArgumentException("the skew rule compares domains: give at least two --by-domain NAME=ATLAS");
        if (!(ratio >= 1)) throw new IllegalArgumentException("skew ratio must be at least 1, got " + ratio);
        List<String> names = new ArrayList<>(domains.keySet());
        ExpertAtlas first = domains.get(names.get(0));
        for (String n : names) {
            ExpertAtlas a = domains.get(n);
            if (!a.configHash().equals(first.configHash())) {
                throw new IllegalArgumentException("atlas " + a.directory() + " (domain " + n + ") was made for another model than " + first.directory()
                        + " (config hash " + a.configHash() + " vs " + first.configHash() + ")");
            }
        }
        int e = first.expertsPerAxis(), groups = first.groups();
        Map<String, Map<Integer, boolean[]>> masks = new LinkedHashMap<>();
        for (String n : names) masks.put(n, new TreeMap<>());
        for (int g = 0; g < groups; g++) {
            double[][] means = new double[names.size()][];
            for (int d = 0; d < names.size(); d++) means[d] = domains.get(names.get(d)).corpusMeans(g);
            for (String n : names) masks.get(n).put(g, new boolean[e * e]);
            for (int x = 0; x < e * e; x++) {
                int best = 0;
                for (int d = 1; d < names.size(); d++) if (means[d][x] > means[best][x]) best = d;
                double second = 0;
                for (int d = 0; d < names.size(); d++) if (d != best) second = Math.max(second, means[d][x]);
                if (means[best][x] > 0 && means[best][x] >= ratio * second) masks.get(names.get(best)).get(g)[x] = true;
            }
        }
        Map<String, ExpertMask> out = new LinkedHashMap<>();
        masks.forEach((n, m) -> out.put(n, new ExpertMask(e, m, first.configHash(), n, "skew:" + ratio)));
        return out;
    }
}
