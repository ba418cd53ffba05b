"""Export the official PyTorch CTR-GCN to ONNX, for benchmarks/onnx_speed.py --torch-ctrgcn.

Needs PyTorch (CPU build) and a checkout of the official CTR-GCN repository, neither of which
this project installs or ships; run it in a separate environment, e.g.

    python -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch onnx numpy
    PYTHONPATH=/tmp/CTR-GCN /tmp/torchvenv/bin/python -m benchmarks.export_torch_ctrgcn --out /tmp/official_ctrgcn.onnx

(the official code is a folder of modules, not an installed package: PYTHONPATH names it).

The model is ``model.ctrgcn.Model`` for NTU-60 (60 classes, 25 joints, 2 persons, the spatial
graph ``graph.ntu_rgb_d.Graph``), seeded initial weights, eval mode; input (N, 3, 64, 25, 2)
with a dynamic batch axis, opset 13, the TorchScript-based exporter. Its fp32 logits for a
fixed input are saved beside it (``OUT.io.npz``) so the ONNX file can be checked.
"""
from __future__ import annotations

import argparse
import os
import sys


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="ONNX file to write")
    p.add_argument("--frames", type=int, default=64, help="T of the fixed input (default 64)")
    args = p.parse_args(argv)
    try:
        from model.ctrgcn import Model
    except ImportError as err:
        print(f"error: the official CTR-GCN code is not importable ({err}); run with "
              "PYTHONPATH=<checkout of github.com/Uason-Chen/CTR-GCN>", file=sys.stderr)
        return 2
    import numpy as np
    import torch

    torch.manual_seed(0)
    model = Model(num_class=60, num_point=25, num_person=2, graph="graph.ntu_rgb_d.Graph",
                  graph_args={"labeling_mode": "spatial"}).eval()
    x = torch.randn(1, 3, args.frames, 25, 2)
    torch.onnx.export(model, x, args.out, input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "N"}, "logits": {0: "N"}}, opset_version=13, dynamo=False)
    with torch.no_grad():
        np.savez(args.out + ".io.npz", x=x.numpy(), logits=model(x).numpy())
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
