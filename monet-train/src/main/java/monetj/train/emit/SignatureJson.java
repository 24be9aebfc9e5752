package monetj.train.emit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import monetj.core.ir.Sharding;
import monetj.core.program.Leaf;
import monetj.core.program.Program;

/**
 * A program's signature as JSON, next to its emitted module: for each argument and result its name, group,
 * type ({@code f32[2, 3]}), sharding (mesh and, per dimension, the mesh axes it is split over, or null) and whether it is donated; for
 * metrics also how they combine across micro-batches.
 */
public final class SignatureJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SignatureJson() {}

    public static String of(Program program) {
        ObjectNode root = JSON.createObjectNode();
        root.put("program", program.name());
        leaves(root.putArray("inputs"), program.signature().inputs(), true);
        leaves(root.putArray("outputs"), program.signature().outputs(), false);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void leaves(ArrayNode out, java.util.List<Leaf> leaves, boolean inputs) {
        for (Leaf l : leaves) {
            ObjectNode n = out.addObject();
            n.put("name", l.name());
            n.put("group", l.group());
            n.put("type", l.type().toString());
            if (l.sharding() == null) n.putNull("sharding");
            else sharding(n.putObject("sharding"), l.sharding());
            if (inputs) n.put("donated", l.donated());
            if (l.combine() != null) n.put("combine", l.combine().name().toLowerCase());
        }
    }

    private static void sharding(ObjectNode n, Sharding s) {
        ObjectNode mesh = n.putObject("mesh");
        for (int i = 0; i < s.mesh().axisNames().size(); i++) mesh.put(s.mesh().axisNames().get(i), s.mesh().axisSizes()[i]);
        ArrayNode spec = n.putArray("spec");
        for (java.util.List<String> axes : s.dims()) {
            ArrayNode dim = spec.addArray();
            axes.forEach(dim::add);
        }
    }
}
