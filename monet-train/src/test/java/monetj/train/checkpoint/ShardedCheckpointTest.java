package monetj.train.checkpoint;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.ir.Sharding;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.nn.Param;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorBlocks;
import monetj.train.config.RunConfig;
import monetj.train.mesh.MeshPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny model's initial variables written as 4 shards (fsdp=2 x tensor=2, from host tensors split by the
 * sharding), restored whole and as 2 shards (expert=2), and the 2 shards gathered again: identical values.
 */
class ShardedCheckpointTest {
    @TempDir
    Path tmp;

    private static Map<String, Sharding> shard(MonetModel model, int[] sizes) {
        LogicalAxisRules rules = MeshPlan.rules(new RunConfig.Mesh(sizes[0], sizes[1], sizes[2], sizes[3], null, null), sizes[0] * sizes[1] * sizes[2] * sizes[3]);
        Map<String, Sharding> out = new LinkedHashMap<>();
        for (Param p : model.variables()) out.put(p.path(), rules.sharding(p.path(), p.axes(), p.type().shape()));
        return out;
    }

    @Test
    void writtenAsFourShardsRestoredWholeAndAsTwo() throws Exception {
        MonetModel model = new MonetModel(MonetConfig.read(Path.of("../configs/models/tiny-vd.json")));
        Map<String, HostTensor> whole = model.init(7).asMap();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        whole.forEach((k, t) -> shapes.put(k, t.shape()));
        Map<String, Sharding> four = shard(model, new int[] {1, 2, 2, 1});
        Map<Integer, Map<String, HostTensor>> blocks = ShardedCheckpoint.split(whole, four);
        assertEquals(4, blocks.size());
        Path dir = tmp.resolve("step-10");
        ShardedCheckpoint.write(dir, blocks, shapes, four);
        try (var files = Files.list(dir)) {
            assertEquals(List.of("index.json", "shard-0.safetensors", "shard-1.safetensors", "shard-2.safetensors", "shard-3.safetensors"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (var siblings = Files.list(tmp)) { assertEquals(1, siblings.count(), "no temporary directory left"); }
        // a tensor split over fsdp only is written by the two devices of tensor index 0, not by its replicas
        String router = "model.layers.0.router.w1.weight";
        assertEquals(List.of(List.of(), List.of("fsdp")), four.get(router).dims());
        Shape routerShape = shapes.get(router);
        assertArrayEquals(new int[] {0, 0}, TensorBlocks.start(four.get(router), routerShape, 1), "device 1 is (fsdp 0, tensor 1)");
        assertArrayEquals(new int[] {0, routerShape.dim(1) / 2}, TensorBlocks.start(four.get(router), routerShape, 2), "device 2 is (fsdp 1, tensor 0)");
        var index = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("index.json").toFile()).get("tensors");
        assertEquals(2, index.get(router).get("blocks").size());
        assertEquals(4, index.get("model.embed_tokens.weight").get("blocks").size(), "[vocab, embed] is split over tensor and fsdp");
        assertEquals("F32", index.get(router).get("dtype").asText());
        assertEquals("[[],[\"fsdp\"]]", index.get(router).get("sharding").get("dims").toString());

        Map<String, HostTensor> restored = ShardedCheckpoint.restore(dir);
        assertEquals(whole.keySet(), restored.keySet());
        for (String k : whole.keySet()) assertTrue(whole.get(k).contentEquals(restored.get(k)), "whole " + k);

        Map<String, Sharding> two = shard(model, new int[] {1, 1, 1, 2});
        Map<Integer, Map<String, HostTensor>> resharded = ShardedCheckpoint.restore(dir, two);
        assertEquals(2, resharded.size());
        for (String k : whole.keySet()) {
            for (int d = 0; d < 2; d++) assertTrue(TensorBlocks.block(whole.get(k), two.get(k), d).contentEquals(resharded.get(d).get(k)), "device " + d + " " + k);
        }
        Path again = tmp.resolve("step-11");
        ShardedCheckpoint.write(again, resharded, shapes, two);
        Map<String, HostTensor> gathered = ShardedCheckpoint.restore(again);
        for (String k : whole.keySet()) assertTrue(whole.get(k).contentEquals(gathered.get(k)), "gathered from 2 shards " + k);
        assertThrows(java.io.IOException.class, () -> ShardedCheckpoint.write(again, resharded, shapes, two), "an existing checkpoint is never overwritten");
    }
}
