"""The computation graph of a tensor, drawn with matplotlib alone (no graphviz)."""

import numpy as np

from aelearn.plotting.figure import new_figure


def _node_label(node, show_values):
    name = node.op.name if node.op is not None else (node.name or "leaf")
    lines = [name, f"shape {tuple(node.shape)}"]
    if show_values and node.size == 1:
        lines.append(f"value {node.item():.4g}")
        if node.grad is not None:
            lines.append(f"grad {float(np.ravel(node.grad)[0]):.4g}")
    return "\n".join(lines)


def graph_layout(tensor):
    """Columns and rows for drawing ``tensor.graph()``, the output in the rightmost column.

    A node's column counts its distance from the output: the output is 0 and every input
    of an op sits at least one column left of it (the longest path, so that all edges
    point right). ``tensor.graph()`` lists each node before the inputs it was made from,
    so one pass in that order settles every distance. Within a column, nodes are ordered
    by the mean height of the ops that consume them, which keeps edges from crossing much.

    Returns ``tensor.graph()`` and {id(node): (x, y)}.
    """
    nodes = tensor.graph()
    distance = {id(tensor): 0}
    consumers = {id(node): [] for node in nodes}
    for node in nodes:
        if node.op is None:
            continue
        for slot, parent in enumerate(node.op.inputs):
            distance[id(parent)] = max(distance.get(id(parent), 0), distance[id(node)] + 1)
            consumers[id(parent)].append((node, slot))
    depth = max(distance.values())
    positions = {}
    for d in range(depth + 1):
        column = [node for node in nodes if distance[id(node)] == d]

        def height(node):
            # Consumers sit in columns already placed; earlier inputs go higher.
            ys = [positions[id(c)][1] - 0.01 * slot for c, slot in consumers[id(node)]]
            return np.mean(ys) if ys else 0.0

        column.sort(key=height, reverse=True)
        for i, node in enumerate(column):
            positions[id(node)] = (float(depth - d), (len(column) - 1) / 2 - i)
    return nodes, positions


def plot_graph(tensor, show_values=True, title=None):
    """Draw the computation graph that ``tensor.backward()`` walks.

    Each node is a box (a text artist, gid "graph-node") with its op's name (or the leaf's
    name, or "leaf"), its shape and, for a scalar with ``show_values``, its value and, after
    ``backward()``, its gradient; arrows (gid "graph-edge") run from an op's inputs to its
    output. Meant for a small expression or a tiny network's loss: a few dozen nodes.
    """
    nodes, positions = graph_layout(tensor)
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    width, height = max(xs) - min(xs) + 1, max(ys) - min(ys) + 1
    fig = new_figure((2.1 * width + 0.5, 0.95 * height + 1.0))
    ax = fig.subplots()
    boxes = {}
    for node in nodes:
        x, y = positions[id(node)]
        leaf = node.op is None
        color = "#fde9c9" if leaf and node.requires_grad else "#e8e8e8" if leaf else "#d6e6f5"
        boxes[id(node)] = ax.text(
            x,
            y,
            _node_label(node, show_values),
            ha="center",
            va="center",
            fontsize=8,
            gid="graph-node",
            bbox={"boxstyle": "round,pad=0.35", "facecolor": color, "edgecolor": "0.3"},
        )
    for node in nodes:
        if node.op is None:
            continue
        for parent in node.op.inputs:
            ax.annotate(
                "",
                xy=(0.0, 0.5),
                xycoords=boxes[id(node)],
                xytext=(1.0, 0.5),
                textcoords=boxes[id(parent)],
                arrowprops={"arrowstyle": "->", "color": "0.4", "shrinkA": 2, "shrinkB": 2},
                gid="graph-edge",
            )
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_axis_off()
    ax.set_title(
        title or "Computation graph (blue: ops, orange: leaves with grad, grey: constants)"
    )
    return fig
