package monetj.train.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.nn.Param;
import monetj.train.config.ConfigException;
import monetj.train.config.RunConfig;
import monetj.train.config.RunConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sharding of every parameter of every shipped model on a few meshes, as the default rules say, and the refusals. */
class MeshShardingTest {
    @TempDir
    Path tmp;

    /** Meshes (data, fsdp, tensor, expert) and, per logical axes of a parameter, its expected mesh axes on each. */
    private static final int[][] MESHES = {{1, 4, 1, 1}, {2, 2, 1, 1}, {1, 2, 2, 1}, {1, 1, 1, 2}, {1, 2, 2, 2}};
    private static final Map<String, String[]> EXPECTED = Map.of(
            "[vocab, embed]", new String[] {"[., fsdp]", "[., fsdp]", "[tensor, fsdp]", "[., .]", "[tensor, fsdp]"},
            "[heads, embed]", new String[] {"[., fsdp]", "[., fsdp]", "[tensor, fsdp]", "[., .]", "[tensor, fsdp]"},
            "[kv_heads, embed]", new String[] {"[., fsdp]", "[., fsdp]", "[tensor, fsdp]", "[., .]", "[tensor, fsdp]"},
            "[embed, heads]", new String[] {"[fsdp, .]", "[fsdp, .]", "[fsdp, tensor]", "[., .]", "[fsdp, tensor]"},
            "[experts, embed]", new String[] {"[., fsdp]", "[., fsdp]", "[tensor, fsdp]", "[expert, .]", "[expert+tensor, fsdp]"},
            "[embed, experts]", new String[] {"[fsdp, .]", "[fsdp, .]", "[fsdp, tensor]", "[., expert]", "[fsdp, expert+tensor]"},
            "[experts]", new String[] {"[.]", "[.]", "[tensor]", "[expert]", "[expert+tensor]"},
            "[router, embed]", new String[] {"[., fsdp]", "[., fsdp]", "[., fsdp]", "[., .]", "[., fsdp]"},
            "[norm]", new String[] {"[.]", "[.]", "[.]", "[.]", "[.]"},
            "[moe_heads]", new String[] {"[.]", "[.]", "[.]", "[.]", "[.]"});

    private static String spec(Param p) {
        return "[" + String.join(", ", p.sharding().dims().stream().map(a -> a.isEmpty() ? "." : String.join("+", a)).toList()) + "]";
    }

    @Test
    void everyParameterOfEveryShippedModelIsShardedAsTheRulesSay() throws Exception {
        List<Path> models;
        try (Stream<Path> s = Files.list(Path.of("../configs/models"))) { models = s.filter(p -> p.toString().endsWith(".json")).sorted().toList(); }
        assertTrue(models.size() >= 11, "shipped model configs: " + models);
        for (Path file : models) {
            MonetConfig config = MonetConfig.read(file);
            for (int m = 0; m < MESHES.length; m++) {
                int[] sizes = MESHES[m];
                MonetModel model = new MonetModel(config);
                RunConfig.Mesh mesh = new RunConfig.Mesh(sizes[0], sizes[1], sizes[2], sizes[3], null, null);
                model.shard(MeshPlan.rules(mesh, sizes[0] * sizes[1] * sizes[2] * sizes[3]));
                for (Param p : model.variables()) {
                    String where = file.getFileName() + " on " + java.util.Arrays.toString(sizes) + ": " + p.path();
                    assertNotNull(p.axes(), where + " declares no logical axes");
                    if (p.type().rank() == 0) {
                        assertEquals("[]", spec(p), where);
                        continue;
                    }
                    String[] expected = EXPECTED.get(p.axes().toString());
                    assertNotNull(expected, where + ": logical axes " + p.axes() + " not in the table");
                    assertEquals(expected[m], spec(p), where);
                }
            }
        }
    }

    @Test
    void expertParametersDeclareTheirAxes() throws Exception {
        MonetModel vd = new MonetModel(MonetConfig.read(Path.of("../configs/models/tiny-vd.json")));
        Map<String, Param> v = vd.variablesByPath();
        assertEquals(List.of("experts", "embed"), v.get("model.layers.0.moe.u1.weight").axes());
        assertEquals(List.of("embed", "experts"), v.get("model.layers.0.moe.v21.weight").axes());
        assertEquals(List.of("experts", "embed"), v.get("model.layers.0.moe.b2").axes());
        assertEquals(List.of("router", "embed"), v.get("model.layers.0.router.w1.weight").axes());
        MonetModel hd = new MonetModel(MonetConfig.read(Path.of("../configs/models/monet-hd-850m.json")));
        Map<String, Param> h = hd.variablesByPath();
        assertEquals(List.of("experts", "embed"), h.get("model.layers.1.moe.u.weight").axes());
        assertEquals(List.of("embed", "experts"), h.get("model.layers.1.moe.v.weight").axes());
        assertEquals(List.of("experts", "embed"), h.get("model.layers.1.moe.b").axes());
    }

    @Test
    void optimizerStateCountsTwiceItsParameters() throws Exception {
        MonetModel model = new MonetModel(MonetConfig.read(Path.of("../configs/models/tiny-vd.json")));
        long whole = model.parameters().stream().mapToLong(p -> p.type().shape().size() * 4).sum();
        assertEquals(new ShardingTable.Totals(whole, ShardingTable.totals(model).bufferBytes(), 2 * whole), ShardingTable.totals(model));
        model.shard(MeshPlan.rules(new RunConfig.Mesh(1, 4, 1, 1, null, null), 4));
        ShardingTable.Totals t = ShardingTable.totals(model);
        long replicated = model.parameters().stream().filter(p -> p.sharding().dims().stream().allMatch(List::isEmpty)).mapToLong(p -> p.type().shape().size() * 4).sum();
        assertEquals((whole - replicated) / 4 + replicated, t.parameterBytes(), "split parameters hold a quarter per device, replicated ones all of it");
        assertEquals(2 * t.parameterBytes(), t.optimizerBytes());
    }

    @Test
    void minusOneTakesTheRestOfTheDevices() {
        assertArrayEquals(new int[] {1, 4, 2, 1}, new RunConfig.Mesh(null, null, 2, null, null, null).resolve(8));
        assertArrayEquals(new int[] {1, 8, 1, 1}, new RunConfig.Mesh(null, null, null, null, null, null).resolve(8), "default: every device on fsdp");
        var e = assertThrows(ConfigException.class, () -> new RunConfig.Mesh(2, 2, null, null, null, null).resolve(8));
        assertTrue(e.getMessage().contains("multiply to 4") && e.getMessage().contains("8 devices"), e.getMessage());
        assertThrows(ConfigException.class, () -> new RunConfig.Mesh(3, -1, null, null, null, null).resolve(8));
        e = assertThrows(ConfigException.class, () -> new RunConfig.Mesh(-1, -1, null, null, null, null));
        assertTrue(e.getMessage().contains("at most one axis may be -1"), e.getMessage());
        assertThrows(ConfigException.class, () -> new RunConfig.Mesh(0, null, null, null, null, null));
        assertThrows(ConfigException.class, () -> new RunConfig.Mesh(null, null, null, null, null, "xla"));
    }

    private String refusal(String mesh) throws Exception {
        Files.copy(Path.of("../configs/models/tiny-vd.json"), tmp.resolve("model.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path config = tmp.resolve("run.yaml");
        Files.writeString(config, "model: model.json\ndata: {train: none, seq_len: 16}\ntrain: {batch_size: 4, micro_batch_size: 4}\nmesh: " + mesh + "\n");
        var e = assertThrows(ConfigException.class, () -> RunConfigLoader.resolve(RunConfigLoader.readTree(config), config, config.toString()));
        return e.getMessage();
    }

    @Test
    void axesThatDoNotDivideAreRefusedWhenTheConfigIsRead() throws Exception {
        String m = refusal("{fsdp: 3}");
        assertTrue(m.contains("'model.embed_tokens.weight': dimension 1 (embed) of size 64 does not divide by mesh axis 'fsdp' of size 3"), m);
        m = refusal("{fsdp: 1, expert: 3}");
        assertTrue(m.contains("'model.layers.0.moe.u1.weight': dimension 0 (experts) of size 64 does not divide by mesh axis 'expert' of size 3"), m);
        m = refusal("{data: 8, fsdp: 1}");
        assertTrue(m.contains("'tokens': dimension 0 (batch) of size 4 does not divide by mesh axis 'data' of size 8"), m);
        m = refusal("{fsdp: 2, rules: {expert_hiden: [fsdp]}}");
        assertTrue(m.contains("mesh.rules.expert_hiden") && m.contains("expert_hidden"), m);
        m = refusal("{fsdp: 2, rules: {router: [model]}}");
        assertTrue(m.contains("mesh axis 'model'"), m);
    }

    @Test
    void rulesOverrideTheDefaults() {
        LogicalAxisRules rules = MeshPlan.rules(new RunConfig.Mesh(1, 2, 2, 1, Map.of("router", List.of("tensor"), "vocab", List.of()), null), 4);
        MonetModel model = new MonetModel(tinyVd());
        model.shard(rules);
        assertEquals("[tensor, fsdp]", spec(model.variablesByPath().get("model.layers.0.router.w1.weight")));
        assertEquals("[., fsdp]", spec(model.variablesByPath().get("lm_head.weight")));
    }

    private static MonetConfig tinyVd() {
        try {
            return MonetConfig.read(Path.of("../configs/models/tiny-vd.json"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

}
