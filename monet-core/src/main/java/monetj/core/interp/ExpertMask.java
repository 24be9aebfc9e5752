package monetj.core.interp;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import monetj.core.model.ExpertMaskInputs;
import monetj.core.model.MonetConfig;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import monetj.core.tensor.Shape;

/**
 * Composed experts removed from a model (spec §11.2): per routing group g (0-based; router on layer
 * {@code g * moe_groups}) a boolean [E, E], true where expert (i, j), id {@code i * E + j}, is removed from every
 * layer of the group. On disk a safetensors file with BOOL tensors {@code group<g>} and metadata {@code config_hash}
 * (the model it was made for), {@code name} and {@code rule}; groups absent from the file are left unmasked.
 */
public record ExpertMask(int experts, Map<Integer, boolean[]> groups, String configHash, String name, String rule) {
    public static final String KEY_PREFIX = "group";

    public ExpertMask {
        groups = new TreeMap<>(groups);
        for (var e : groups.entrySet()) {
            if (e.getValue().length != experts * experts) throw new IllegalArgumentException("mask of group " + e.getKey() + " has " + e.getValue().length + " entries, not E² = " + experts * experts);
        }
    }

    /** An empty mask for a model. */
    public static ExpertMask none(MonetConfig c, String name, String rule) {
        Map<Integer, boolean[]> g = new TreeMap<>();
        for (int r = 0; r < c.routerLayers().size(); r++) g.put(r, new boolean[c.moeExperts() * c.moeExperts()]);
        return new ExpertMask(c.moeExperts(), g, ModelFingerprint.of(c), name, rule);
    }

    public long removed(int group) {
        boolean[] m = groups.get(group);
        long n = 0;
        if (m != null) for (boolean b : m) if (b) n++;
        return n;
    }

    public long removed() {
        long n = 0;
        for (int g : groups.keySet()) n += removed(g);
        return n;
    }

    public void write(Path file) throws IOException {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        groups.forEach((g, m) -> {
            byte[] b = new byte[m.length];
            for (int k = 0; k < m.length; k++) b[k] = (byte) (m[k] ? 1 : 0);
            t.put(KEY_PREFIX + g, HostTensor.ofPred(Shape.of(experts, experts), b));
        });
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("config_hash", configHash);
        meta.put("name", name);
        meta.put("rule", rule);
        Safetensors.write(file, t, meta);
    }

    /** Reads a mask file and checks it against the model: tensor names, shapes and dtype, and the config hash. */
    public static ExpertMask read(Path file, MonetConfig c) throws IOException {
        Safetensors.Contents contents = Safetensors.read(file);
        String hash = contents.metadata().get("config_hash");
        if (hash == null) throw new IllegalArgumentException(file + ": no config_hash in the metadata; not an expert mask file written by 'monet mask select'");
        ModelFingerprint.require(c, hash, "mask " + file);
        int e = c.moeExperts(), groupCount = c.routerLayers().size();
        Map<Integer, boolean[]> groups = new TreeMap<>();
        for (var entry : contents.tensors().entrySet()) {
            String key = entry.getKey();
            HostTensor t = entry.getValue();
            Integer g = key.startsWith(KEY_PREFIX) ? parseGroup(key.substring(KEY_PREFIX.length())) : null;
            if (g == null || g < 0 || g >= groupCount) {
                throw new IllegalArgumentException(file + ": tensor '" + key + "' is not a group of this model (expected group0 .. group" + (groupCount - 1) + ")");
            }
            if (t.dtype() != DType.PRED || !t.shape().equals(Shape.of(e, e))) {
                throw new IllegalArgumentException(file + ": tensor '" + key + "' is " + t.type() + ", the model needs bool[" + e + "," + e + "] (moe_experts = " + e + ")");
            }
            byte[] b = t.preds();
            boolean[] m = new boolean[b.length];
            for (int k = 0; k < b.length; k++) m[k] = b[k] != 0;
            groups.put(g, m);
        }
        return new ExpertMask(e, groups, hash, contents.metadata().getOrDefault("name", ""), contents.metadata().getOrDefault("rule", ""));
    }

    private static Integer parseGroup(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException ex) {
            return null;
        }
    }

    /** The mask as program inputs ({@link ExpertMaskInputs}): f32 [E, E], 1 = removed, zeros for groups not in the file. */
    public Map<String, HostTensor> programInputs(MonetConfig c) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        var layers = c.routerLayers();
        for (int g = 0; g < layers.size(); g++) {
            float[] f = new float[experts * experts];
            boolean[] m = groups.get(g);
            if (m != null) for (int k = 0; k < f.length; k++) f[k] = m[k] ? 1f : 0f;
            out.put(ExpertMaskInputs.name(layers.get(g)), HostTensor.of(Shape.of(experts, experts), f));
        }
        return out;
    }
}
