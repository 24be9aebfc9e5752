package monetj.xla.stablehlo;

import java.util.ArrayList;
import java.util.List;
import monetj.core.ir.Sharding;

/**
 * A {@link Sharding} in the Shardy dialect's syntax: the module's mesh {@code sdy.mesh @mesh = <["fsdp"=8, ...]>} and
 * per value {@code #sdy.sharding<@mesh, [{"data", "fsdp"}, {}]>}, one closed dimension list per dimension (empty:
 * replicated along it), its mesh axes major to minor.
 */
public final class ShardyText {
    /** The symbol of the one mesh a program runs on. */
    static final String MESH = "@mesh";

    private ShardyText() {}

    /** The module-level mesh declaration. */
    public static String mesh(Sharding.Mesh mesh) {
        List<String> axes = new ArrayList<>();
        for (int i = 0; i < mesh.axisNames().size(); i++) axes.add(MlirSyntax.quoted(mesh.axisNames().get(i)) + "=" + mesh.axisSizes()[i]);
        return "sdy.mesh " + MESH + " = <[" + String.join(", ", axes) + "]>";
    }

    /** The sharding attribute of a value. */
    public static String of(Sharding sharding) {
        List<String> dims = new ArrayList<>();
        for (List<String> axes : sharding.dims()) dims.add("{" + String.join(", ", axes.stream().map(MlirSyntax::quoted).toList()) + "}");
        return "#sdy.sharding<" + MESH + ", [" + String.join(", ", dims) + "]>";
    }
}
