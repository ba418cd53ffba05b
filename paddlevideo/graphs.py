"""Skeleton graphs: which joints are connected, and the adjacency tensor a GCN uses.

A layout is a tree of bones given as (child, parent) joint pairs, 0-based, plus a centre
joint (the root of the tree). The "spatial" partition of CTR-GCN turns the bones into three
(V, V) matrices stacked as ``A`` of shape (3, V, V):

    A[0] = I                      each joint to itself
    A[1] = inward  @ D_in^-1      child -> parent messages, each column summing to 1 (or 0)
    A[2] = outward @ D_out^-1     parent -> child messages, each column summing to 1 (or 0)

where ``M[j, i] = 1`` for a link i -> j and ``D`` is the diagonal of column sums (columns that
sum to zero are left at zero). The same ``inward`` pairs define the bone modality:
``bone[child] = joint[child] - joint[parent]``.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .utils.values import is_int

Pair = Tuple[int, int]

# (child, parent) pairs in the 1-based joint numbering of each dataset's documentation.
# NTU RGB+D: the 24 bones of CTR-GCN's NTU graph and bone feeder (its extra self pair (21, 21)
# only zeroes the spine centre's bone, which `bone[centre] = 0` expresses already).
_NTU_BONES_1BASED = [
    (1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6), (8, 7),
    (9, 21), (10, 9), (11, 10), (12, 11), (13, 1), (14, 13), (15, 14), (16, 15),
    (17, 1), (18, 17), (19, 18), (20, 19), (22, 23), (23, 8), (24, 25), (25, 12),
]
# NW-UCLA (Kinect v1, 20 joints): CTR-GCN's graph, rooted at the shoulder centre (joint 3).
_UCLA_BONES_1BASED = [
    (1, 2), (2, 3), (4, 3), (5, 3), (6, 5), (7, 6), (8, 7), (9, 3), (10, 9),
    (11, 10), (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1), (18, 17),
    (19, 18), (20, 19),
]
# COCO-17 keypoints (0 nose, 1/2 eyes, 3/4 ears, 5/6 shoulders, 7/8 elbows, 9/10 wrists,
# 11/12 hips, 13/14 knees, 15/16 ankles), already 0-based, rooted at the nose.
_COCO_BONES = [
    (1, 0), (2, 0), (3, 1), (4, 2), (5, 0), (6, 0), (7, 5), (8, 6),
    (9, 7), (10, 8), (11, 5), (12, 6), (13, 11), (14, 12), (15, 13), (16, 14),
]


def _to_zero_based(pairs: Sequence[Pair]) -> List[Pair]:
    return [(child - 1, parent - 1) for child, parent in pairs]


# layout name -> (number of joints, 0-based (child, parent) bones, centre joint)
_LAYOUTS: Dict[str, Tuple[int, List[Pair], int]] = {
    "ntu_rgb_d": (25, _to_zero_based(_NTU_BONES_1BASED), 20),
    "nw_ucla": (20, _to_zero_based(_UCLA_BONES_1BASED), 2),
    "coco17": (17, list(_COCO_BONES), 0),
}
_ALIASES = {"ntu-rgb-d": "ntu_rgb_d"}
LAYOUTS = sorted(_LAYOUTS) + ["custom"]
LABELING_MODES = ["spatial"]


class Graph:
    """A skeleton graph.

    Attributes:
        layout: layout name ('ntu_rgb_d', 'nw_ucla', 'coco17' or 'custom').
        num_node: number of joints V.
        inward: (child, parent) 0-based bone pairs, pointing towards ``center``.
        outward: the same pairs reversed, (parent, child).
        center: 0-based index of the centre joint.
        A: float32 array (3, V, V): identity, normalised inward, normalised outward.
    """

    def __init__(self, layout: str, num_node: int, inward: List[Pair], center: int,
                 labeling_mode: str = "spatial"):
        if labeling_mode not in LABELING_MODES:
            raise ValueError(f"graph labeling_mode must be one of {LABELING_MODES}, got {labeling_mode!r}")
        self.layout = layout
        self.num_node = num_node
        self.inward = list(inward)
        self.outward = [(parent, child) for child, parent in self.inward]
        self.center = center
        self.labeling_mode = labeling_mode
        self.A = spatial_partition(num_node, self.inward)

    def __repr__(self) -> str:
        return (f"Graph(layout={self.layout!r}, num_node={self.num_node}, bones={len(self.inward)}, "
                f"center={self.center})")


def links_to_matrix(links: Sequence[Pair], num_node: int) -> np.ndarray:
    """(V, V) float64 matrix with ``M[dst, src] = 1`` for every link (src, dst)."""
    matrix = np.zeros((num_node, num_node))
    for src, dst in links:
        matrix[dst, src] = 1.0
    return matrix


def normalize_columns(matrix: np.ndarray) -> np.ndarray:
    """Divide every column by its sum; all-zero columns stay zero."""
    col_sum = matrix.sum(axis=0)
    scale = np.divide(1.0, col_sum, out=np.zeros_like(col_sum), where=col_sum > 0)
    return matrix * scale[None, :]


def spatial_partition(num_node: int, inward: Sequence[Pair]) -> np.ndarray:
    """The (3, V, V) float32 CTR-GCN spatial adjacency: [I, norm(inward), norm(outward)]."""
    outward = [(parent, child) for child, parent in inward]
    identity = np.eye(num_node)
    a_in = normalize_columns(links_to_matrix(inward, num_node))
    a_out = normalize_columns(links_to_matrix(outward, num_node))
    return np.stack([identity, a_in, a_out]).astype(np.float32)


def _check_edges(edges: Sequence, num_node: int) -> List[Pair]:
    """Validate custom (child, parent) pairs; the error names the offending edge."""
    checked: List[Pair] = []
    seen = set()
    for k, edge in enumerate(edges):
        where = f"graph_args.edges[{k}] = {edge!r}"
        if not isinstance(edge, (list, tuple)) or len(edge) != 2:
            raise ValueError(f"{where}: expected a pair [child, parent] of joint indices")
        child, parent = edge
        for joint in (child, parent):
            if not is_int(joint):
                raise ValueError(f"{where}: joint indices must be integers")
            if not 0 <= joint < num_node:
                raise ValueError(f"{where}: joint index {joint} outside [0, {num_node - 1}] (num_node={num_node})")
        if child == parent:
            raise ValueError(f"{where}: a joint cannot be its own parent (self links are always included)")
        key = (min(child, parent), max(child, parent))
        if key in seen:
            raise ValueError(f"{where}: duplicate edge between joints {key[0]} and {key[1]}")
        seen.add(key)
        checked.append((int(child), int(parent)))
    return checked


def tree_root(inward: Sequence[Pair], num_node: int) -> int:
    """The root of the tree the (child, parent) pairs form; ValueError naming the pair or joints
    when they form no single tree (a joint with two parents, several roots, a cycle).

    Accepted shapes: one tree over all ``num_node`` joints (``num_node - 1`` pairs). A forest
    (e.g. two persons in one graph) is not accepted: give each person's joints the same tree.
    """
    parents: Dict[int, int] = {}
    for k, (child, parent) in enumerate(inward):
        if child in parents:
            raise ValueError(f"graph_args.edges[{k}] = [{child}, {parent}]: joint {child} already has parent "
                             f"{parents[child]}; every joint has one parent (are the pairs [parent, child] instead "
                             "of [child, parent]?)")
        parents[child] = parent
    roots = [j for j in range(num_node) if j not in parents]
    if len(roots) != 1:
        raise ValueError(f"graph_args.edges: {len(roots)} joints have no parent ({roots[:10]}"
                         f"{'...' if len(roots) > 10 else ''}); expected one tree: {num_node - 1} [child, parent] "
                         f"pairs in which every joint but the root is a child once")
    root = roots[0]
    for joint in range(num_node):
        step, node = 0, joint
        while node != root:
            node, step = parents[node], step + 1
            if step > num_node:
                raise ValueError(f"graph_args.edges: joint {joint} never reaches the root {root} (a cycle)")
    return root


def get_graph(layout: str, labeling_mode: str = "spatial", edges: Optional[Sequence[Pair]] = None,
              num_node: Optional[int] = None, center: Optional[int] = None) -> Graph:
    """Build the graph of a named layout, or of ``edges`` when ``layout == 'custom'``.

    Args:
        layout: 'ntu_rgb_d' (alias 'ntu-rgb-d'), 'nw_ucla', 'coco17' or 'custom'.
        labeling_mode: adjacency partition; only 'spatial'.
        edges: custom layout only: 0-based (child, parent) pairs.
        num_node: custom layout only: number of joints.
        center: centre joint; defaults to the layout's (0 for custom layouts).
    """
    name = _ALIASES.get(layout, layout)
    if name == "custom":
        if edges is None or num_node is None:
            raise ValueError("graph 'custom' needs graph_args.edges (0-based [child, parent] pairs) "
                             "and graph_args.num_node")
        if not is_int(num_node, low=1):
            raise ValueError(f"graph_args.num_node must be a positive integer, got {num_node!r}")
        inward = _check_edges(edges, num_node)
        default_center = tree_root(inward, num_node)
    elif name in _LAYOUTS:
        if edges is not None or num_node is not None:
            raise ValueError(f"graph_args.edges / graph_args.num_node are only for graph 'custom', not {layout!r}")
        num_node, inward, default_center = _LAYOUTS[name]
    else:
        raise ValueError(f"unknown graph layout {layout!r}; known layouts: {', '.join(LAYOUTS)} (alias: ntu-rgb-d)")
    if center is None:
        center = default_center
    elif not is_int(center, low=0, high=num_node - 1):
        raise ValueError(f"graph_args.center must be a joint index in [0, {num_node - 1}], got {center!r}")
    elif center != default_center:
        raise ValueError(f"graph_args.center {center} is not the root of the bones: joint {default_center} is the one "
                         "joint without a parent; the centre is that root (bones point towards it). Omit center, "
                         "or check that the pairs are [child, parent]")
    return Graph(name, num_node, inward, center, labeling_mode)
