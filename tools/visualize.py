"""See what the model sees: animated skeletons with predictions, and the learned CTR-GC topology.

Skeleton animation (GIF through Pillow; MP4 when imageio-ffmpeg is installed)::

    python tools/visualize.py --input_file S001C001P001R001A050.skeleton --out a050.gif
    python tools/visualize.py --input_file clip.json --out clip.gif \\
        --config configs/recognition/ctrgcn/ctrgcn_light_ntucs_joint.yaml --params_file best.pdparams
    python tools/visualize.py --input_file x.json --out x.gif -c CONFIG \\
        --model_file inference/NAME.json --params_file inference/NAME.pdiparams

Inputs: NTU ``.skeleton``; ``.npy`` of shape (3, T, V, M) or (N, 3, T, V, M) (``--index``
picks the sample); NW-UCLA ``.json``; keypoint ``.json`` (``docs/keypoints.md``). The layout
(bones) follows from V: 25 NTU RGB+D, 20 NW-UCLA, 17 COCO-17. Drawn in the (x, y) plane,
y up (NTU / NW-UCLA camera space in metres, which matches the RGB video left to right;
keypoints as normalised by ``read_keypoints_json``). Person 1 blue, person 2 orange; an
all-zero person is absent in that frame, and a keypoint with score 0 is not drawn.

With ``--config`` and ``--params_file``, the top-5 classes (softmax) are drawn beside the
skeleton. The model input is the file read and passed through the config's test pipeline
by ``paddlevideo.inference.InputPreparer``, as ``tools/predict.py`` does. A ``.pdparams``
file runs the dynamic graph (the default: the training code itself, nothing exported);
``--model_file`` with its ``.pdiparams`` runs the exported model through Paddle Inference,
verified against its reference output first.

Learned topology (``--topology``)::

    python tools/visualize.py --topology --params_file best.pdparams --out_dir topo \\
        [--config CONFIG --input_file F [--channel K] [--person M]]

writes ``shared_topology.png``: the adjacency ``PA`` (3, V, V) of every CTR-GC block
(``backbone.lN.gcn1.PA``), one column per subset (self, inward, outward); and, with a config
and an input, ``refined_topology.png``: the channel-refined topology
``alpha * conv4(tanh(conv1(x) - conv2(x))) + PA`` the model computed for that input, per
block and subset, averaged over channels (or channel ``--channel``), for person ``--person``.
Rows u receive from columns v.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from paddlevideo.utils.quiet import hide_paddle_noise

hide_paddle_noise()  # before the imports below bring in paddle
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from paddlevideo.loader.dataset.ucla import load_ucla_sample  # noqa: E402
from paddlevideo.loader.keypoints import is_keypoint_json, parse_keypoints  # noqa: E402
from paddlevideo.loader.ntu_raw import prepare_skeleton_file  # noqa: E402
from paddlevideo.graphs import Graph, get_graph  # noqa: E402
from paddlevideo.utils.fileio import atomic_write  # noqa: E402

LAYOUT_BY_JOINTS = {25: "ntu_rgb_d", 20: "nw_ucla", 17: "coco17"}
PERSON_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red")
SUBSET_NAMES = ("self", "inward", "outward")
TOP_K = 5
PA_KEY = re.compile(r"^backbone\.(l\d+)\.gcn1\.PA$")


# ----------------------------------------------------------------------------- reading

@dataclass
class Clip:
    """A skeleton clip to draw.

    Attributes:
        data: float (C, T, V, M); channels 0, 1 are drawn (x right, y up); with keypoints
            channel 2 is the detection score.
        graph: the layout's graph (bones = ``graph.inward``).
        name: what the title shows.
        has_scores: channel 2 is a score (keypoints), so score 0 marks a missing joint.
    """

    data: np.ndarray
    graph: Graph
    name: str
    has_scores: bool = False


def read_sequence(path: str, index: int = 0) -> Clip:
    """Read a .skeleton, .npy (sample ``index`` of a stack), NW-UCLA or keypoint .json file."""
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"input file not found: {path}")
    if path.endswith(".skeleton"):
        return Clip(prepare_skeleton_file(path), get_graph("ntu_rgb_d"), name)
    if path.endswith(".json"):
        with open(path, "r", encoding="utf-8") as f:
            try:
                content = json.load(f)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}: not valid JSON ({err})") from err
        if is_keypoint_json(content):
            data, _ = parse_keypoints(content, path)
            return Clip(data, get_graph(content.get("layout", "coco17")), name, has_scores=True)
        data, _ = load_ucla_sample(path)
        return Clip(data, get_graph("nw_ucla"), name)
    if path.endswith(".npy"):
        array = np.load(path, allow_pickle=False)
        if array.ndim == 5:
            if not 0 <= index < len(array):
                raise ValueError(f"{path}: --index {index} outside the {len(array)} samples of shape {array.shape}")
            array, name = array[index], f"{name}[{index}]"
        if array.ndim != 4 or array.shape[0] < 2 or array.shape[2] not in LAYOUT_BY_JOINTS:
            raise ValueError(f"{path}: expected (C, T, V, M) or (N, C, T, V, M) with C >= 2 and V in "
                             f"{sorted(LAYOUT_BY_JOINTS)} (the layouts with bones), got {array.shape}")
        layout = LAYOUT_BY_JOINTS[array.shape[2]]
        return Clip(np.asarray(array, dtype=np.float32), get_graph(layout), name,
                          has_scores=layout == "coco17" and array.shape[0] == 3)
    raise ValueError(f"{path}: unsupported file type; expected .skeleton, .npy or .json")


# ----------------------------------------------------------------------------- prediction

@dataclass
class Prediction:
    """Top-k classes of one input: ids, softmax scores, display names, and the true class if known."""

    classes: List[int]
    scores: List[float]
    names: List[str]
    label: Optional[int] = None
    label_name: str = ""


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max())
    return z / z.sum()


def load_config(config: str, overrides: Sequence[str] = ()):
    from paddlevideo.config import get_config

    return get_config(config, overrides=list(overrides), show=False)


def model_input(cfg, path: str, index: int = 0):
    """(float32 (1, C, T, V, M) model input, true label or None) of sample ``index`` in ``path``."""
    from paddlevideo.inference import InputPreparer

    samples = InputPreparer(cfg)(path)
    if not 0 <= index < len(samples):
        raise ValueError(f"{path}: --index {index} outside its {len(samples)} samples")
    return samples[index].data[None], samples[index].label


def load_dynamic_model(cfg, params_file: str):
    """The config's recognizer in eval mode with ``params_file`` (.pdparams) loaded strictly."""
    from paddlevideo.inference import load_eval_model

    return load_eval_model(cfg, params_file)


def predict(cfg, path: str, params_file: str, model_file: Optional[str] = None, index: int = 0) -> Prediction:
    """Top-5 of one input file, by the dynamic graph (``.pdparams``) or Paddle Inference (``model_file``)."""
    import paddle

    from paddlevideo.inference import PredictorOptions, load_class_names, open_verified_predictor

    x, label = model_input(cfg, path, index)
    if model_file is None:
        model = load_dynamic_model(cfg, params_file)
        with paddle.no_grad():
            logits = model([paddle.to_tensor(x)], mode="infer").numpy()[0]
    else:
        predictor, _ = open_verified_predictor(model_file, params_file, PredictorOptions(), x.shape[1:])
        logits = np.asarray(predictor.run(x))[0]
    probs = _softmax(logits.astype(np.float64))
    top = np.argsort(-probs, kind="stable")[:TOP_K]
    class_names = load_class_names(cfg)

    def named(c: int) -> str:
        return f"{c}: {class_names[c]}" if class_names and c < len(class_names) else f"class {c}"

    return Prediction([int(c) for c in top], [float(probs[c]) for c in top], [named(int(c)) for c in top],
                      label, named(label) if label is not None else "")


# ----------------------------------------------------------------------------- drawing

def present_joints(seq: Clip) -> np.ndarray:
    """(T, V, M) bool: the joint exists in that frame (its person is not all zeros there;
    with scores, its own score is above 0)."""
    data = seq.data
    person_seen = (data != 0).any(axis=(0, 2))  # (T, M)
    present = np.repeat(person_seen[:, None, :], data.shape[2], axis=1)
    if seq.has_scores:
        present &= data[2] > 0
    return present


def _limits(seq: Clip, present: np.ndarray) -> Tuple[Tuple[float, float], Tuple[float, float]]:
    xy = seq.data[:2].transpose(1, 2, 3, 0)[present]  # (joints seen, 2)
    if len(xy) == 0:
        raise ValueError(f"{seq.name}: no joint to draw (every frame is empty)")
    low, high = xy.min(axis=0), xy.max(axis=0)
    centre, half = (low + high) / 2, max(float((high - low).max()) / 2, 1e-3) * 1.1
    return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)


def _short(text: str, width: int = 25) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


class SkeletonAnimator:
    """Draws one frame at a time into a fixed figure: skeleton left, top-5 bars right."""

    def __init__(self, seq: Clip, prediction: Optional[Prediction] = None):
        self.seq = seq
        self.present = present_joints(seq)
        self.num_frames = seq.data.shape[1]
        width = 8.0 if prediction else 4.8
        self.fig = plt.figure(figsize=(width, 4.8), dpi=100)
        self.ax = self.fig.add_axes([0.02, 0.02, 4.4 / width, 0.88])
        xlim, ylim = _limits(seq, self.present)
        self.ax.set_xlim(*xlim)
        self.ax.set_ylim(*ylim)
        self.ax.set_aspect("equal")
        self.ax.set_xticks([])
        self.ax.set_yticks([])
        self.title = self.fig.suptitle("", fontsize=9)
        num_persons = seq.data.shape[3]
        self.bones = [[self.ax.plot([], [], "-", color=PERSON_COLOURS[m % len(PERSON_COLOURS)], lw=2)[0]
                       for _ in seq.graph.inward] for m in range(num_persons)]
        self.dots = [self.ax.plot([], [], "o", color=PERSON_COLOURS[m % len(PERSON_COLOURS)], ms=3)[0]
                     for m in range(num_persons)]
        if prediction:
            self._draw_prediction(prediction)

    def _draw_prediction(self, pred: Prediction) -> None:
        ax = self.fig.add_axes([0.74, 0.12, 0.23, 0.7])  # class names go in the gap to its left
        y = np.arange(len(pred.classes))[::-1]
        colours = ["tab:green" if c == pred.label else "tab:gray" for c in pred.classes]
        ax.barh(y, pred.scores, color=colours)
        ax.set_yticks(y, [_short(n) for n in pred.names], fontsize=7)
        ax.set_xlim(0, 1)
        ax.set_xlabel("softmax score", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        for yi, s in zip(y, pred.scores):
            ax.text(min(s + 0.02, 0.8), yi, f"{s:.3f}", va="center", fontsize=7)
        ax.set_title("top-5" + (f" (true: {_short(pred.label_name)})" if pred.label is not None else ""), fontsize=8)

    def render(self, t: int) -> np.ndarray:
        """RGB uint8 (H, W, 3) image of frame ``t``."""
        x, y = self.seq.data[0, t], self.seq.data[1, t]  # (V, M)
        for m, (lines, dots) in enumerate(zip(self.bones, self.dots)):
            seen = self.present[t, :, m]
            for line, (child, parent) in zip(lines, self.seq.graph.inward):
                if seen[child] and seen[parent]:
                    line.set_data([x[child, m], x[parent, m]], [y[child, m], y[parent, m]])
                else:
                    line.set_data([], [])
            dots.set_data(x[seen, m], y[seen, m])
        self.title.set_text(f"{self.seq.name} ({self.seq.graph.layout})   frame {t + 1}/{self.num_frames}")
        self.fig.canvas.draw()
        return np.asarray(self.fig.canvas.buffer_rgba())[..., :3].copy()

    def close(self) -> None:
        plt.close(self.fig)




def write_animation(frames: Sequence[np.ndarray], path: str, fps: float) -> None:
    """Write RGB frames as .gif (Pillow) or .mp4 (needs the imageio-ffmpeg package)."""
    if path.endswith(".gif"):
        from PIL import Image

        images = [Image.fromarray(f) for f in frames]
        atomic_write(path, lambda p: images[0].save(p, format="GIF", save_all=True, append_images=images[1:],
                                               duration=round(1000 / fps), loop=0))
    elif path.endswith(".mp4"):
        try:
            import imageio_ffmpeg
        except ImportError:
            raise ValueError("writing .mp4 needs the imageio-ffmpeg package (pip install imageio-ffmpeg); "
                             "or write a .gif") from None

        def write(p: str) -> None:
            height, width = frames[0].shape[:2]
            writer = imageio_ffmpeg.write_frames(p, (width, height), fps=fps, codec="libx264",
                                                 pix_fmt_out="yuv420p", macro_block_size=2)
            writer.send(None)
            for frame in frames:
                writer.send(np.ascontiguousarray(frame))
            writer.close()

        atomic_write(path, write)
    else:
        raise ValueError(f"--out must end in .gif or .mp4, got {path}")


def animate(seq: Clip, out: str, prediction: Optional[Prediction] = None, fps: float = 15.0,
            stride: int = 1, save_frames: int = 0) -> List[str]:
    """Render every ``stride``-th frame to ``out``; ``save_frames`` evenly spaced frames also go
    to PNGs beside it (``<out stem>_frame_<t>.png``). Returns the files written."""
    animator = SkeletonAnimator(seq, prediction)
    try:
        steps = list(range(0, animator.num_frames, stride))
        frames = [animator.render(t) for t in steps]
    finally:
        animator.close()
    write_animation(frames, out, fps)
    written = [out]
    if save_frames:
        from PIL import Image

        stem = os.path.splitext(out)[0]
        for k in np.unique(np.linspace(0, len(steps) - 1, save_frames).astype(int)):
            png = f"{stem}_frame_{steps[k] + 1:04d}.png"
            atomic_write(png, lambda p, k=k: Image.fromarray(frames[k]).save(p, format="PNG"))
            written.append(png)
    return written


# ----------------------------------------------------------------------------- topology

def shared_topologies(state: Dict[str, Any]) -> Dict[str, np.ndarray]:
    """block name ('l1', ...) -> learned adjacency PA (3, V, V) from a state dict."""
    found = {m.group(1): np.asarray(v.numpy() if hasattr(v, "numpy") else v, dtype=np.float32)
             for k, v in state.items() for m in [PA_KEY.match(k)] if m}
    if not found:
        raise ValueError("no learned adjacency in the weights (keys backbone.lN.gcn1.PA); was the model "
                         "trained with adaptive: false, or is this not a CTR-GCN checkpoint?")
    return dict(sorted(found.items(), key=lambda kv: int(kv[0][1:])))


def refined_topologies(model, x: np.ndarray) -> Dict[str, np.ndarray]:
    """block name -> refined topology (S, N*M, C_out, V, V) the CTR-GC modules compute for input x.

    A hook captures each block's ``gcn1`` input during one forward pass; the module's own
    ``SpatialCTRGC.refined_topologies`` then gives its topologies for that input.
    """
    import paddle

    from paddlevideo.modeling.backbones.units import SpatialCTRGC

    blocks = {name: getattr(model.backbone, name).gcn1 for name in model.backbone.block_names
              if isinstance(getattr(getattr(model.backbone, name), "gcn1", None), SpatialCTRGC)}
    if not blocks:
        raise ValueError("the model has no CTR-GC block (backbone.lN.gcn1)")
    inputs: Dict[str, paddle.Tensor] = {}
    hooks = [gcn.register_forward_pre_hook(lambda layer, args, name=name: inputs.__setitem__(name, args[0]))
             for name, gcn in blocks.items()]
    try:
        with paddle.no_grad():
            model([paddle.to_tensor(x)], mode="infer")
            return {name: gcn.refined_topologies(inputs[name]).numpy().transpose(1, 0, 2, 3, 4)  # (S, N*M, C, V, V)
                    for name, gcn in blocks.items()}
    finally:
        for hook in hooks:
            hook.remove()


def plot_topology_grid(mats: Dict[str, np.ndarray], path: str, title: str) -> str:
    """One heatmap per (block, subset) of ``mats[block]`` (3, V, V); diverging colours around 0."""
    blocks = list(mats)
    fig, axes = plt.subplots(len(blocks), 3, figsize=(10, 3.2 * len(blocks) + 0.6), squeeze=False)
    for r, block in enumerate(blocks):
        for s in range(3):
            mat = mats[block][s]
            bound = max(float(np.abs(mat).max()), 1e-8)
            ax = axes[r, s]
            im = ax.imshow(mat, cmap="RdBu_r", vmin=-bound, vmax=bound)
            ax.set_title(f"{block} / {SUBSET_NAMES[s]}", fontsize=9)
            ax.set_xlabel("from joint v", fontsize=7)
            ax.set_ylabel("to joint u", fontsize=7)
            ticks = np.arange(0, mat.shape[0], 2 if mat.shape[0] > 12 else 1)
            ax.set_xticks(ticks)
            ax.set_yticks(ticks)
            ax.tick_params(labelsize=6)
            fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03).ax.tick_params(labelsize=6)
    fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(left=0.06, right=0.96, bottom=0.4 / fig.get_figheight(), top=1 - 0.6 / fig.get_figheight(),
                        wspace=0.45, hspace=0.45)
    atomic_write(path, lambda p: fig.savefig(p, dpi=100, format="png"))
    plt.close(fig)
    return path


def topology_pngs(params_file: str, out_dir: str, cfg=None, input_file: Optional[str] = None,
                  index: int = 0, channel: Optional[int] = None, person: int = 0) -> List[str]:
    """Write shared_topology.png (and refined_topology.png for a config and an input); return the paths."""
    import paddle

    if not os.path.isfile(params_file):
        raise FileNotFoundError(f"weights not found: {params_file}")
    shared = shared_topologies(paddle.load(params_file))
    plots = [(shared, "shared_topology.png", f"learned shared adjacency PA ({os.path.basename(params_file)})")]
    if input_file is not None:
        if cfg is None:
            raise ValueError("the refined topology of an input needs --config (the model to run)")
        x, _ = model_input(cfg, input_file, index)
        refined = refined_topologies(load_dynamic_model(cfg, params_file), x)  # block -> (3, N*M, C, V, V)
        persons = next(iter(refined.values())).shape[1]
        if not 0 <= person < persons:
            raise ValueError(f"--person {person} outside the model's {persons} persons")
        widths = {b: t.shape[2] for b, t in refined.items()}
        if channel is not None and not all(0 <= channel < w for w in widths.values()):
            raise ValueError(f"--channel {channel} outside the channels of some block (channels per block: {widths})")
        chosen = {b: (t[:, person, channel] if channel is not None else t[:, person].mean(axis=1))
                  for b, t in refined.items()}
        what = f"channel {channel}" if channel is not None else "mean over channels"
        plots.append((chosen, "refined_topology.png",
                      f"refined topology for {os.path.basename(input_file)}, person {person + 1}, {what}"))
    return [plot_topology_grid(mats, os.path.join(out_dir, name), title) for mats, name, title in plots]


# ----------------------------------------------------------------------------- command line

def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser("python tools/visualize.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input_file", help=".skeleton, .npy, NW-UCLA .json or keypoint .json")
    p.add_argument("--index", type=int, default=0, help="sample of a stacked (N, C, T, V, M) .npy (default 0)")
    p.add_argument("-c", "--config", help="the model's YAML config (test pipeline, INFERENCE, class names)")
    p.add_argument("-o", "--override", action="append", default=[],
                   help="override a config key: -o MODEL.head.num_classes=5 (repeatable)")
    p.add_argument("--params_file", help=".pdparams (dynamic graph) or the exported .pdiparams with --model_file")
    p.add_argument("--model_file", help="exported model (.json / .pdmodel) for Paddle Inference")
    p.add_argument("--out", help="animation to write: .gif, or .mp4 with imageio-ffmpeg")
    p.add_argument("--fps", type=float, default=15.0, help="frames per second of the animation (default 15)")
    p.add_argument("--stride", type=int, default=1, help="draw every n-th frame (default 1)")
    p.add_argument("--save_frames", type=int, default=0, help="also save this many evenly spaced frames as PNG")
    p.add_argument("--topology", action="store_true", help="plot the learned topology instead of animating")
    p.add_argument("--out_dir", default="topology", help="--topology: folder for the PNGs (default ./topology)")
    p.add_argument("--channel", type=int, default=None, help="--topology: one channel instead of the mean")
    p.add_argument("--person", type=int, default=0, help="--topology: 0-based person of the input (default 0)")
    return p.parse_args(argv)


def run(args: argparse.Namespace) -> List[str]:
    cfg = load_config(args.config, args.override) if args.config else None
    if args.topology:
        if not args.params_file:
            raise ValueError("--topology needs --params_file (.pdparams with backbone.lN.gcn1.PA)")
        return topology_pngs(args.params_file, args.out_dir, cfg, args.input_file, args.index, args.channel,
                             args.person)
    if not args.input_file or not args.out:
        raise ValueError("give --input_file and --out (or --topology)")
    if args.stride < 1 or args.fps <= 0:
        raise ValueError(f"--stride must be >= 1 and --fps > 0, got {args.stride} and {args.fps}")
    prediction = None
    if args.params_file or args.model_file:
        if cfg is None or not args.params_file:
            raise ValueError("a prediction needs --config and --params_file (plus --model_file for an exported model)")
        prediction = predict(cfg, args.input_file, args.params_file, args.model_file, args.index)
    seq = read_sequence(args.input_file, args.index)
    return animate(seq, args.out, prediction, args.fps, args.stride, args.save_frames)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        written = run(args)
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print("\n".join(f"wrote {path}" for path in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
