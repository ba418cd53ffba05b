"""Convert the official CTR-GCN's PyTorch weights to this project's .pdparams, and back (no torch needed).

    python tools/convert_weights.py runs-65-40560.pt -c configs/recognition/ctrgcn/ctrgcn_ntucs_joint.yaml \
        -o data/ctrgcn_official_ntucs_joint.pdparams [--from ctrgcn-pytorch] [--override KEY=VALUE ...]
    python tools/convert_weights.py output/CTRGCN_joint/CTRGCN_joint_best.pdparams \
        -c configs/recognition/ctrgcn/ctrgcn_ntucs_joint.yaml -o ctrgcn_joint.pt --to ctrgcn-pytorch

The input is a checkpoint saved by github.com/Uason-Chen/CTR-GCN's training code
(``torch.save`` of ``model.ctrgcn.Model``'s state dict), in torch's zip format or the legacy
pre-1.6 format; ``module.`` prefixes and ``state_dict`` / ``model`` / ``weights`` wrappers are
accepted. Its format is detected from the file; ``--from ctrgcn-pytorch`` only states it.
The file is read as data only: a pickle asking for anything but tensors is refused.

The checkpoint's classes, joints, persons and input channels (read from the shapes of
``fc.weight``, ``data_bn``, ``l1.gcn1.PA``) must be the config's, and every tensor of the
config's model must be filled exactly once with its shape (the name mapping is described in
paddlevideo/modeling/official_ctrgcn.py). The output loads with ``main.py --test -w`` and
``tools/export_model.py -p``.

``--to ctrgcn-pytorch`` goes the other way: the input is this project's .pdparams for the
config's CTRGCN (loaded strictly), the output the official model's state dict in torch's zip
format, for ``torch.load`` and the official ``main.py --weights``.

Exit status: 0 on success, 1 if the weights cannot be converted, 2 for a bad config or flag;
errors are one line on stderr starting with ``error:``.
"""
from __future__ import annotations

import argparse
import sys

FORMATS = ("ctrgcn-pytorch",)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser("python tools/convert_weights.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", help="the official CTR-GCN checkpoint (.pt); with --to, this project's .pdparams")
    p.add_argument("-c", "--config", required=True, help="YAML config of the model")
    p.add_argument("-o", "--output", required=True, help="output .pdparams (with --to: .pt)")
    direction = p.add_mutually_exclusive_group()
    direction.add_argument("--from", dest="source", choices=FORMATS, default=None,
                           help="the checkpoint's kind (default: detected; only ctrgcn-pytorch exists)")
    direction.add_argument("--to", dest="target", choices=FORMATS, default=None,
                           help="convert this project's .pdparams to the official PyTorch layout instead")
    p.add_argument("--override", action="append", default=[],
                   help="override a config key: --override MODEL.head.num_classes=120 (repeatable)")
    return p.parse_args(argv)


def from_pytorch(args, cfg) -> None:
    """The official checkpoint ``args.checkpoint`` -> ``args.output`` (.pdparams)."""
    import numpy as np

    from paddlevideo.modeling import build_model
    from paddlevideo.modeling.official_ctrgcn import (DROPPED_SUFFIX, ConversionError, from_official, read_layout,
                                                      unwrap_state_dict)
    from paddlevideo.utils import checkpoint
    from paddlevideo.utils.torch_checkpoint import load_torch_checkpoint

    saved, file_format = load_torch_checkpoint(args.checkpoint)  # its errors name the file
    model = build_model(cfg["MODEL"])
    try:
        official = unwrap_state_dict(saved)
        state = from_official(official, model.state_dict())
    except ConversionError as err:
        raise ConversionError(f"{args.checkpoint}: {err}") from None
    print(f"Read {args.checkpoint} (PyTorch {file_format} format): {len(official)} tensors")
    layout = read_layout({k: np.shape(v) for k, v in official.items()})
    if layout is not None:
        print(f"Checkpoint: {layout}")
    model.set_state_dict(state)
    checkpoint.save(model.state_dict(), args.output)
    dropped = sum(k.endswith(DROPPED_SUFFIX) for k in official)
    print(f"Wrote {args.output}: {len(state)} tensors for {cfg['model_name']} "
          f"({dropped} num_batches_tracked counters dropped)")


def to_pytorch(args, cfg) -> None:
    """This project's ``args.checkpoint`` (.pdparams) -> the official layout in ``args.output`` (.pt)."""
    from paddlevideo.inference import load_eval_model
    from paddlevideo.modeling.official_ctrgcn import to_official
    from paddlevideo.utils.torch_checkpoint import save_torch_checkpoint

    state = to_official(load_eval_model(cfg, args.checkpoint).state_dict())
    save_torch_checkpoint(state, args.output)
    print(f"Wrote {args.output} (PyTorch zip format): {len(state)} tensors in the official CTR-GCN layout")


def main(argv=None) -> int:
    args = parse_args(argv)
    from paddlevideo.config import ConfigError, get_config
    from paddlevideo.utils import RegistryError

    try:
        cfg = get_config(args.config, overrides=args.override, show=False)
    except (ConfigError, RegistryError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        (to_pytorch if args.target else from_pytorch)(args, cfg)
    except (FileNotFoundError, ValueError) as err:  # CheckpointError and ConversionError are ValueErrors
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
