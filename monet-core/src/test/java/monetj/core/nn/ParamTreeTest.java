package monetj.core.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class ParamTreeTest {
    private final ParamTree<Integer> tree = ParamTree.of(List.of("b.w", "a.w", "a.bias"), List.of(1, 2, 3));

    @Test
    void flattenAndRebuildRoundTrip() {
        assertEquals(List.of("b.w", "a.w", "a.bias"), tree.names(), "insertion order, not sorted");
        assertEquals(List.of(1, 2, 3), tree.values());
        assertEquals(tree, ParamTree.of(tree.names(), tree.values()));
        assertEquals(tree, tree.withValues(tree.values()));
        ParamTree<String> s = tree.withValues(List.of("x", "y", "z"));
        assertEquals("y", s.get("a.w"));
    }

    @Test
    void mapAndFilter() {
        assertEquals(List.of(10, 20, 30), tree.map(v -> v * 10).values());
        assertEquals(List.of("b.w=1", "a.w=2", "a.bias=3"), tree.map((k, v) -> k + "=" + v).values());
        ParamTree<Integer> weights = tree.filter(k -> k.endsWith(".w"));
        assertEquals(List.of("b.w", "a.w"), weights.names());
    }

    @Test
    void badTreesAreRefusedByName() {
        var e = assertThrows(IllegalArgumentException.class, () -> ParamTree.of(List.of("w", "w"), List.of(1, 2)));
        assertTrue(e.getMessage().contains("'w' given twice"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> tree.get("c.w"));
        assertTrue(e2.getMessage().contains("'c.w'"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ParamTree.of(List.of("a"), List.of(1, 2)));
    }
}
