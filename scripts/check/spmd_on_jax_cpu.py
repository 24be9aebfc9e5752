#!/usr/bin/env python3
"""Checks a sharded Monet-J program with XLA's SPMD partitioner, on JAX's CPU client faking 8 host devices.

Not part of the product (Monet-J needs no Python); run it on a host that has JAX, normally through
scripts/check/spmd_on_jax_cpu.sh, which emits the modules and the inputs first:

  XLA_FLAGS=--xla_force_host_platform_device_count=8 python3 scripts/check/spmd_on_jax_cpu.py \\
      --sharded RUN/fsdp8/step.mlir --unsharded RUN/one/step.mlir --io RUN/io

--sharded and --unsharded are modules written by `monet emit` (the same program for a mesh of N devices and for
one device; each with its FILE.signature.json), --io the directory `monet emit --io` wrote: inputs.safetensors
(arguments by leaf name) and outputs.safetensors (what the Java executor computed from them). The script compiles
both modules with JAX's XLA, puts every argument with the sharding its signature gives (each device its block),
runs one step of each, checks that every result comes back in the shard shape its signature says, gathers the
results and compares the sharded step with the unsharded one and both with the Java executor, by the project's f32
whole-program rule (|a - b| <= 1e-4 * max(|b|, rms(b)); integers exact). Exit status 0 when all agree.

  python3 scripts/check/spmd_on_jax_cpu.py --self-test RUN/io RUN/fsdp8/step.signature.json

checks the numpy half alone (no JAX): the safetensors reader, the signature, and that splitting every tensor into
its devices' blocks and gathering them back is the identity.

  python3 scripts/check/spmd_on_jax_cpu.py --compare RUN/io/outputs.safetensors RUN/io/outputs.pjrt.safetensors

compares two sets of results by the same rule (numpy only; scripts/check/cuda_step.sh uses it for the CUDA plugin).

How JAX is driven (the uncertain part; JAX 0.11): jax.extend.backend.get_backend("cpu") (public) gives the PJRT
client; its compile_and_load(text, devices, options) is the overload of jaxlib's Client that parses MLIR text
(jaxlib/py_client.cc, kept "for users of deprecated APIs"; older jaxlib called it compile); the options come from
jax.extend.backend.get_compile_options (public), which turns SPMD partitioning on and Shardy on per JAX's
config; execute_sharded(arrays) and disassemble_into_single_device_arrays() (jaxlib, used by jax's own
pxla.py and xla_client.py) run it on jax.Arrays placed by NamedSharding and return one array per output and device.
"""

import argparse
import json
import os
import struct
import sys

import numpy as np

F32_RELATIVE = 1e-4  # monetj.xla.check.AgreementPolicy.F32_RELATIVE: summation order over a whole program

DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64, "U8": np.uint8, "BOOL": np.bool_,
          "F16": np.float16, "BF16": np.uint16}
SIGNATURE_DTYPES = {"f32": np.float32, "f64": np.float64, "s32": np.int32, "s64": np.int64, "pred": np.bool_,
                    "f16": np.float16, "bf16": np.uint16}


def read_safetensors(path):
    """Tensors by name (bf16 as its uint16 bits) and the metadata of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    out = {}
    for name, t in header.items():
        lo, hi = t["data_offsets"]
        dtype = DTYPES.get(t["dtype"])
        if dtype is None:
            raise SystemExit(f"{path}: tensor '{name}' has dtype {t['dtype']}, which this check does not read")
        out[name] = np.frombuffer(body[lo:hi], dtype=dtype).reshape(t["shape"]).copy()
    return out, meta


def parse_type(text):
    """'f32[2, 3]' -> (np.float32, (2, 3)); 'f32[]' -> (np.float32, ())."""
    name, dims = text.split("[", 1)
    dims = dims.rstrip("]").strip()
    return SIGNATURE_DTYPES[name], tuple(int(d) for d in dims.split(",")) if dims else ()


def read_signature(path):
    with open(path) as f:
        sig = json.load(f)
    for leaf in sig["inputs"] + sig["outputs"]:
        leaf["dtype"], leaf["shape"] = parse_type(leaf["type"])
    return sig


def signature_of(module_path):
    stem = module_path[:-len(".mlir")] if module_path.endswith(".mlir") else module_path
    return read_signature(stem + ".signature.json")


def mesh_of(sig):
    """(axis names, sizes) of the mesh the signature's shardings are over; None for an unsharded program."""
    for leaf in sig["inputs"] + sig["outputs"]:
        s = leaf.get("sharding")
        if s:
            return list(s["mesh"].keys()), [int(v) for v in s["mesh"].values()]
    return None


def device_coords(sizes, device):
    """The mesh coordinates of a device: devices are numbered row-major over the axes (as Sharding.Mesh)."""
    coords = [0] * len(sizes)
    for a in range(len(sizes) - 1, -1, -1):
        coords[a] = device % sizes[a]
        device //= sizes[a]
    return coords


def parts(sharding, d):
    n = 1
    for axis in sharding["spec"][d] or []:
        n *= int(sharding["mesh"][axis])
    return n


def shard_shape(sharding, shape):
    if not sharding:
        return tuple(shape)
    for d, size in enumerate(shape):
        if size % parts(sharding, d):
            raise SystemExit(f"dimension {d} of shape {shape} does not divide over mesh axes {sharding['spec'][d]}")
    return tuple(size // parts(sharding, d) for d, size in enumerate(shape))


def block_start(sharding, shape, device):
    """Where a device's block starts, per dimension (as monetj.core.tensor.TensorBlocks.start)."""
    names = list(sharding["mesh"].keys())
    sizes = [int(v) for v in sharding["mesh"].values()]
    coords = device_coords(sizes, device)
    start = []
    for d, size in enumerate(shape):
        index = 0
        for axis in sharding["spec"][d] or []:
            a = names.index(axis)
            index = index * sizes[a] + coords[a]
        start.append(index * (size // parts(sharding, d)))
    return start


def block(array, sharding, device):
    start = block_start(sharding, array.shape, device)
    shape = shard_shape(sharding, array.shape)
    return array[tuple(slice(s, s + n) for s, n in zip(start, shape))]


def assemble(shape, dtype, sharding, blocks, what):
    """The whole array from the blocks by mesh device index, checking each block's shape and that replicas agree."""
    whole = np.zeros(shape, dtype=dtype)
    seen = {}
    want = shard_shape(sharding, shape)
    for device, b in sorted(blocks.items()):
        if tuple(b.shape) != want:
            raise SystemExit(f"{what}: device {device} returned a block of shape {tuple(b.shape)}, the signature's sharding says {want}")
        start = tuple(block_start(sharding, shape, device))
        if start in seen:
            if not np.array_equal(seen[start], b, equal_nan=np.issubdtype(b.dtype, np.floating)):
                raise SystemExit(f"{what}: devices holding the same block at {list(start)} disagree")
            continue
        seen[start] = b
        whole[tuple(slice(s, s + n) for s, n in zip(start, want))] = b
    return whole


def as_float(a):
    if a.dtype == np.uint16:  # bf16 bits
        return (a.astype(np.uint32) << 16).view(np.float32)
    return a.astype(np.float64)


def compare(name, reference, candidate):
    """The largest error in units of the tolerance (<= 1 agrees) and a description of where."""
    if reference.shape != candidate.shape:
        return float("inf"), f"shape {candidate.shape}, expected {reference.shape}"
    if reference.dtype.kind in "iub" and reference.dtype != np.uint16:
        bad = np.flatnonzero(reference != candidate)
        return (0.0, "") if bad.size == 0 else (float("inf"), f"{bad.size} elements differ, first at {bad[0]}")
    r, c = as_float(reference).ravel(), as_float(candidate).ravel()
    if r.size == 0:
        return 0.0, ""
    rms = float(np.sqrt(np.mean(np.square(r[np.isfinite(r)])))) if np.isfinite(r).any() else 0.0
    allowed = np.maximum(F32_RELATIVE * np.abs(r), F32_RELATIVE * rms)
    nan_mismatch = np.isnan(r) != np.isnan(c)
    with np.errstate(invalid="ignore", divide="ignore"):
        err = np.where(np.isnan(r) & np.isnan(c), 0.0, np.abs(c - r) / np.where(allowed == 0, np.inf, allowed))
        err = np.where(r == c, 0.0, err)
    err = np.where(nan_mismatch, np.inf, err)
    i = int(np.argmax(err))
    return float(err[i]), f"element {i}: {float(c[i]):.9g} vs {float(r[i]):.9g}"


def report(label, reference, candidate, names):
    worst = []
    for n in names:
        e, where = compare(n, reference[n], candidate[n])
        worst.append((e, n, where))
    worst.sort(reverse=True)
    bad = [w for w in worst if not w[0] <= 1]
    print(f"{label}: {len(names) - len(bad)} of {len(names)} results agree; worst: "
          + ", ".join(f"{n} {e:.3g} ({where})" for e, n, where in worst[:3]))
    for e, n, where in bad:
        print(f"  DIFFERS {n}: {e:.3g} x tolerance at {where}")
    return not bad


def self_test(io_dir, signature_path):
    """The numpy half: inputs and outputs fit the signature; splitting into blocks and gathering is the identity."""
    sig = read_signature(signature_path)
    inputs, meta = read_safetensors(os.path.join(io_dir, "inputs.safetensors"))
    outputs, _ = read_safetensors(os.path.join(io_dir, "outputs.safetensors"))
    mesh = mesh_of(sig)
    devices = int(np.prod(mesh[1])) if mesh else 1
    for side, leaves, values in (("input", sig["inputs"], inputs), ("output", sig["outputs"], outputs)):
        for leaf in leaves:
            v = values.get(leaf["name"])
            if v is None:
                raise SystemExit(f"{side} '{leaf['name']}' of the signature is not in the {side}s file")
            if v.dtype != leaf["dtype"] or tuple(v.shape) != leaf["shape"]:
                raise SystemExit(f"{side} '{leaf['name']}' is {v.dtype}{list(v.shape)}, the signature says {leaf['type']}")
            s = leaf.get("sharding")
            if s:
                back = assemble(v.shape, v.dtype, s, {d: block(v, s, d) for d in range(devices)}, leaf["name"])
                if not np.array_equal(back, v, equal_nan=v.dtype.kind == "f"):
                    raise SystemExit(f"{side} '{leaf['name']}': the blocks of {s['spec']} do not gather back to the whole")
    print(f"self-test: {len(inputs)} inputs and {len(outputs)} outputs of {meta.get('program', '?')} fit {signature_path}; "
          f"blocks over {devices} device(s) gather back bitwise")
    return 0


def run_on_jax(module_path, inputs):
    """Compiles an emitted module with JAX's CPU XLA and runs it once on inputs placed by its signature's shardings."""
    import jax  # only here: the self-test runs without JAX
    from jax.extend import backend as jex_backend
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    sig = signature_of(module_path)
    with open(module_path) as f:
        text = f.read()
    mesh_axes = mesh_of(sig)
    n = int(np.prod(mesh_axes[1])) if mesh_axes else 1
    cpu = jax.devices("cpu")
    if len(cpu) < n:
        raise SystemExit(f"{module_path} is sharded over {n} devices, JAX's CPU client has {len(cpu)}: start Python with "
                         f"XLA_FLAGS=--xla_force_host_platform_device_count={n}")
    devices = cpu[:n]
    client = jex_backend.get_backend("cpu")
    options = jex_backend.get_compile_options(num_replicas=1, num_partitions=n, device_assignment=np.array([[d.id for d in devices]]))
    options.executable_build_options.use_shardy_partitioner = "sdy.mesh" in text  # GSPMD-spelled modules have none
    compile_text = getattr(client, "compile_and_load", None) or client.compile
    exe = compile_text(text, devices, options)

    mesh = Mesh(np.array(devices).reshape(mesh_axes[1]), tuple(mesh_axes[0])) if mesh_axes else None

    def placement(leaf):
        s = leaf.get("sharding")
        if mesh is None or not s:
            return jax.sharding.SingleDeviceSharding(devices[0]) if mesh is None else NamedSharding(mesh, PartitionSpec())
        return NamedSharding(mesh, PartitionSpec(*[tuple(a) if len(a or []) > 1 else (a[0] if a else None) for a in s["spec"]]))

    args = []
    for leaf in sig["inputs"]:
        value = inputs[leaf["name"]]
        if leaf["dtype"] == np.uint16:  # bf16 bits
            import ml_dtypes
            value = value.view(ml_dtypes.bfloat16)
        args.append(jax.device_put(value, placement(leaf)))
    per_output = exe.execute_sharded(args).disassemble_into_single_device_arrays()
    if len(per_output) != len(sig["outputs"]):
        raise SystemExit(f"{module_path}: {len(per_output)} results, the signature has {len(sig['outputs'])}")
    results = {}
    for leaf, shards in zip(sig["outputs"], per_output):
        blocks = {}
        for a in shards:
            (device,) = a.devices()
            v = np.asarray(a)
            blocks[devices.index(device)] = v.view(np.uint16) if leaf["dtype"] == np.uint16 else v
        s = leaf.get("sharding") if mesh is not None else None
        results[leaf["name"]] = assemble(leaf["shape"], leaf["dtype"], s, blocks, f"{module_path} result '{leaf['name']}'") if s else blocks[0]
    return sig, results


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sharded", help="module emitted for the mesh (FILE.signature.json beside it)")
    p.add_argument("--unsharded", help="the same program emitted for one device")
    p.add_argument("--io", help="directory of inputs.safetensors and outputs.safetensors (monet emit --io)")
    p.add_argument("--self-test", nargs=2, metavar=("IO_DIR", "SIGNATURE"), help="the numpy half only (no JAX)")
    p.add_argument("--compare", nargs=2, metavar=("REFERENCE", "CANDIDATE"), help="two outputs files (numpy only)")
    a = p.parse_args(argv)
    if a.self_test:
        return self_test(*a.self_test)
    if a.compare:
        reference, _ = read_safetensors(a.compare[0])
        candidate, _ = read_safetensors(a.compare[1])
        missing = sorted(set(reference) ^ set(candidate))
        if missing:
            raise SystemExit(f"the two files hold different results: {missing[:5]}")
        for metric in ("loss", "lm_loss", "grad_norm"):
            if metric in reference:
                print(f"  {metric}: {float(as_float(candidate[metric])):.7g} vs {float(as_float(reference[metric])):.7g}")
        ok = report(f"{a.compare[1]} vs {a.compare[0]}", reference, candidate, sorted(reference))
        print("OK" if ok else "FAILED")
        return 0 if ok else 1
    if not (a.sharded and a.unsharded and a.io):
        p.error("--sharded, --unsharded and --io are needed (or --self-test)")
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" not in flags:
        os.environ["XLA_FLAGS"] = (flags + " --xla_force_host_platform_device_count=8").strip()  # before JAX starts
    inputs, _ = read_safetensors(os.path.join(a.io, "inputs.safetensors"))
    java, _ = read_safetensors(os.path.join(a.io, "outputs.safetensors"))
    import jax
    print(f"JAX {jax.__version__}, CPU devices: {len(jax.devices('cpu'))}")
    sig, sharded = run_on_jax(a.sharded, inputs)
    _, unsharded = run_on_jax(a.unsharded, inputs)
    names = [leaf["name"] for leaf in sig["outputs"]]
    mesh = mesh_of(sig)
    print(f"sharded step over mesh {dict(zip(*mesh)) if mesh else '(none)'}: {len(sig['inputs'])} arguments placed by their "
          f"shardings, {len(names)} results in their signature's shard shapes")
    for metric in [leaf["name"] for leaf in sig["outputs"] if leaf["group"] == "metrics"]:
        print(f"  {metric}: sharded {float(as_float(sharded[metric])):.7g}  unsharded {float(as_float(unsharded[metric])):.7g}  "
              f"java {float(as_float(java[metric])):.7g}")
    ok = report("sharded vs unsharded (JAX CPU)", unsharded, sharded, names)
    ok &= report("unsharded (JAX CPU) vs the Java executor", java, unsharded, names)
    ok &= report("sharded (JAX CPU) vs the Java executor", java, sharded, names)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
