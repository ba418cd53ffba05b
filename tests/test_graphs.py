"""Skeleton graphs: layouts, the spatial adjacency tensor, custom edges."""
import re

import numpy as np
import pytest

from paddlevideo.graphs import LAYOUTS, get_graph

# CTR-GCN's NTU bone feeder pairs (1-based), including its (21, 21) self pair for the spine centre.
CTRGCN_NTU_BONE_FEEDER = [
    (1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6), (8, 7), (9, 21), (10, 9),
    (11, 10), (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1), (18, 17), (19, 18),
    (20, 19), (22, 23), (21, 21), (23, 8), (24, 25), (25, 12),
]
BUILT_IN = {"ntu_rgb_d": (25, 24, 20), "nw_ucla": (20, 19, 2), "coco17": (17, 16, 0)}


def test_ntu_bones_are_the_ctrgcn_bone_feeder_pairs():
    graph = get_graph("ntu_rgb_d")
    expected = [(c - 1, p - 1) for c, p in CTRGCN_NTU_BONE_FEEDER if c != p]
    assert len(graph.inward) == 24
    assert graph.inward == expected
    assert graph.center == 20  # joint 21, spine at the shoulders


def test_alias_gives_the_same_graph():
    a, b = get_graph("ntu-rgb-d"), get_graph("ntu_rgb_d")
    assert a.inward == b.inward and np.array_equal(a.A, b.A)


@pytest.mark.parametrize("layout", sorted(BUILT_IN))
def test_built_in_layouts_are_trees_rooted_at_the_centre(layout):
    num_node, num_bones, center = BUILT_IN[layout]
    graph = get_graph(layout)
    assert (graph.num_node, len(graph.inward), graph.center) == (num_node, num_bones, center)
    parent = dict(graph.inward)
    assert len(parent) == num_bones and center not in parent  # one parent per non-centre joint
    for joint in range(num_node):
        steps = 0
        while joint != center:
            joint = parent[joint]
            steps += 1
            assert steps <= num_node, f"{layout}: cycle through joint {joint}"
    assert graph.outward == [(p, c) for c, p in graph.inward]


@pytest.mark.parametrize("layout", sorted(BUILT_IN))
def test_spatial_adjacency(layout):
    graph = get_graph(layout)
    A = graph.A
    V = graph.num_node
    assert A.shape == (3, V, V) and A.dtype == np.float32
    np.testing.assert_array_equal(A[0], np.eye(V))
    # every column of the inward / outward parts sums to 1 (joints with links) or 0
    for part in (A[1], A[2]):
        col = part.sum(axis=0)
        assert np.all(np.isclose(col, 1.0) | (col == 0))
    # inward links child -> parent, outward the reverse, so the supports are transposes
    np.testing.assert_array_equal(A[1] > 0, (A[2] > 0).T)
    connected = (A[0] + A[1] + A[2]) > 0
    np.testing.assert_array_equal(connected, connected.T)
    assert connected.sum() == V + 2 * len(graph.inward)
    for child, par in graph.inward:
        assert A[1][par, child] == 1.0  # a child has exactly one parent
        n_children = sum(1 for _, p in graph.inward if p == par)
        assert A[2][child, par] == pytest.approx(1.0 / n_children)


def test_custom_graph():
    edges = [[1, 0], [2, 1], [3, 0]]
    graph = get_graph("custom", edges=edges, num_node=4, center=0)
    assert graph.num_node == 4 and graph.inward == [(1, 0), (2, 1), (3, 0)]
    assert graph.A.shape == (3, 4, 4)
    assert graph.A[2][1, 0] == pytest.approx(0.5)  # joint 0 has two children


@pytest.mark.parametrize("edges, message", [
    ([[1, 0], [4, 1]], r"edges\[1\].*joint index 4 outside \[0, 3\]"),
    ([[1, 0], [-1, 1]], r"edges\[1\].*joint index -1"),
    ([[1, 0], [2, 2]], r"edges\[1\].*own parent"),
    ([[1, 0], [0, 1]], r"edges\[1\].*duplicate edge"),
    ([[1, 0], [1, 2, 3]], r"edges\[1\].*pair"),
    ([[1.0, 0]], r"edges\[0\].*integers"),
])
def test_custom_graph_rejects_bad_edges(edges, message):
    with pytest.raises(ValueError, match=message):
        get_graph("custom", edges=edges, num_node=4)


def test_custom_graph_needs_edges_and_num_node():
    with pytest.raises(ValueError, match="num_node"):
        get_graph("custom", edges=[[1, 0]])
    with pytest.raises(ValueError, match="only for graph 'custom'"):
        get_graph("ntu_rgb_d", edges=[[1, 0]])


def test_unknown_layout_and_mode():
    with pytest.raises(ValueError, match="known layouts: .*coco17.*ntu_rgb_d.*nw_ucla.*custom"):
        get_graph("kinetics")
    assert set(LAYOUTS) == {"ntu_rgb_d", "nw_ucla", "coco17", "custom"}
    with pytest.raises(ValueError, match="labeling_mode"):
        get_graph("ntu_rgb_d", labeling_mode="uniform")
    with pytest.raises(ValueError, match="center"):
        get_graph("coco17", center=17)


@pytest.mark.parametrize("edges, center, message", [
    ([[0, 1], [2, 1], [3, 2]], None, None),                                  # a tree rooted at 1
    ([[1, 0], [2, 1], [1, 3]], None, "joint 1 already has parent 0"),        # two parents
    ([[0, 1], [1, 2], [2, 3]], 0, "graph_args.center 0 is not the root"),    # the chain reversed
    ([[1, 0], [3, 2]], None, "2 joints have no parent ([0, 2])"),            # two trees
])
def test_custom_graphs_must_be_one_tree_rooted_at_the_centre(edges, center, message):
    if message is None:
        graph = get_graph("custom", edges=edges, num_node=4, center=center)
        assert graph.center == 1
        return
    with pytest.raises(ValueError, match=re.escape(message)):
        get_graph("custom", edges=edges, num_node=4, center=center)


def test_a_cycle_below_the_root_is_named():
    with pytest.raises(ValueError, match="never reaches the root 0 \\(a cycle\\)"):
        get_graph("custom", edges=[[1, 0], [2, 3], [3, 4], [4, 2]], num_node=5)
