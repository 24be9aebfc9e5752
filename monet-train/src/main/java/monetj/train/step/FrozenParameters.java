package monetj.train.step;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.nn.Param;
import monetj.train.config.ConfigException;

/**
 * {@code train.freeze}: the trainable parameters a run leaves as they are. Globs match whole parameter names,
 * {@code *} standing for any characters (dots included) and {@code ?} for one, as fnmatch. A glob that matches
 * no trainable parameter is refused: it is almost always a typo, and training everything instead would be silent.
 */
public final class FrozenParameters {
    private FrozenParameters() {}

    /** The paths of the model's trainable parameters that match any of {@code globs}, in tree order. */
    public static Set<String> select(MonetConfig config, List<String> globs) {
        if (globs.isEmpty()) return Set.of();
        List<Param> params = new MonetModel(config).parameters();
        Set<String> frozen = new LinkedHashSet<>();
        List<String> unmatched = new ArrayList<>();
        for (String glob : globs) {
            Pattern p = pattern(glob);
            List<String> hits = params.stream().map(Param::path).filter(n -> p.matcher(n).matches()).toList();
            if (hits.isEmpty()) unmatched.add(glob);
            frozen.addAll(hits);
        }
        if (!unmatched.isEmpty()) {
            throw new ConfigException("train.freeze", "glob(s) " + unmatched + " match no trainable parameter (buffers are never trained); names look like "
                    + params.getFirst().path() + ", " + params.get(params.size() / 2).path() + ", " + params.getLast().path());
        }
        if (frozen.size() == params.size()) throw new ConfigException("train.freeze", "freezes every trainable parameter: nothing would train");
        return Set.copyOf(frozen);
    }

    static Pattern pattern(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*') re.append(".*");
            else if (c == '?') re.append('.');
            else re.append(Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(re.toString());
    }
}
