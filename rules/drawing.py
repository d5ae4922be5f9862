"""The knowledge graph drawn as SVG, top-down and readable at a glance, with a walked path highlighted.

A small layered layout (the Sugiyama recipe, sized for a graph of a dozen
nodes): each node sits in the layer of its longest path from `start`; rules
between the same two nodes are drawn as one edge; every edge gets a label
node of its own in the row under its source, so labels never overlap one
another, and long edges pass through thin dummy nodes in the rows between;
nodes in a row are ordered by repeated barycenter sweeps (fewest crossings
kept), then placed as close to their neighbours as their order allows
(weighted isotonic regression, one pass per row and direction).

Labels are the rules' names, short by design; the conditions and
descriptions are in each element's <title> (a tooltip). The output has no
script and no style element or attribute (presentation attributes only),
so it passes a strict Content-Security-Policy inline and stands alone as a
file (`resetdesk graph --format svg`). No Graphviz needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from .graph import PREVIOUS, START, Graph

NODE_HEIGHT = 46
NODE_GAP = 18           # horizontal space between neighbours in a row
LABEL_LINE = 14         # height of one label line
ROW_GAP = 14            # vertical space above a node row ...
FAN_GAP = 30            # ... and below it, where its edges fan out to their labels
MARGIN = 16
DUMMY_WIDTH = 10
CHAR = 6.6              # average advance of a 12 px sans-serif character (an estimate: no font metrics here)
SMALL_CHAR = 6.0        # the same at 11 px

COLOURS = {"edge": "#8a94a6", "walked": "#c2410c", "node": "#ffffff", "node_walked": "#fff1e6",
           "border": "#4b5563", "text": "#111827", "muted": "#4b5563", "start": "#e5e7eb", "action": "#eef2ff"}


@dataclass
class Box:
    """A node of the layout: a real node, an edge's label, or a dummy a long edge passes through."""

    key: str
    kind: str                       # start, previous, scenario, action, label, dummy
    width: float
    height: float
    lines: list[str] = field(default_factory=list)
    title: str = ""
    rank: int = 0
    x: float = 0.0                  # centre
    y: float = 0.0                  # top


@dataclass
class Link:
    """One drawn edge: the rules from `source` to `target`, through its label and dummies."""

    source: str
    target: str
    names: list[str]
    kind: str                        # rule or action
    chain: list[str] = field(default_factory=list)   # box keys from source to target


@dataclass
class Layout:
    boxes: dict[str, Box]
    links: list[Link]
    width: float
    height: float


def _condition(when: Iterable[str], unless: Iterable[str]) -> str:
    parts = list(when) + [f"not {fact}" for fact in unless]
    return " and ".join(parts) if parts else "otherwise"


def layout(graph: Graph) -> Layout:
    """Place the graph's nodes, labels and edges; deterministic for a given graph."""
    boxes: dict[str, Box] = {}
    titles: dict[tuple[str, str], list[str]] = {}

    def node(key: str, kind: str, lines: list[str], title: str) -> None:
        width = max([len(lines[0]) * CHAR] + [len(line) * SMALL_CHAR for line in lines[1:]]) + 24
        boxes[key] = Box(key, kind, max(96.0, width), NODE_HEIGHT, lines, title)

    node(START, "start", ["mail arrives"], "Every message starts here.")
    for name, scenario in graph.scenarios.items():
        node(name, "scenario", [name, scenario.action], f"{name}: {scenario.title.get('en', '')} ({scenario.action})")
    merged: dict[tuple[str, str], Link] = {}
    for edge in graph.rules:
        if edge.target == PREVIOUS and PREVIOUS not in boxes:
            node(PREVIOUS, "previous", ["earlier reply's", "scenario"],
                 "A follow-up continues from the scenario of our earlier reply.")
        pair = (edge.source, edge.target)
        merged.setdefault(pair, Link(edge.source, edge.target, [], "rule")).names.append(edge.name)
        titles.setdefault(pair, []).append(f"{edge.name}: {_condition(edge.when, edge.unless)}. {edge.description}")
    for action in graph.actions:
        key = f"{action.scenario}:{action.action}"
        if key not in boxes:
            node(key, "action", [action.action], f"{action.scenario} becomes {action.action} when an exception holds")
        pair = (action.scenario, key)
        merged.setdefault(pair, Link(action.scenario, key, [], "action")).names.append(action.name)
        titles.setdefault(pair, []).append(
            f"{action.name}: {_condition(action.when, action.unless)}. {action.description}")
    links = list(merged.values())

    # Layers: the longest path from start (the graph is checked acyclic on load).
    layer = {START: 0}
    changed = True
    while changed:
        changed = False
        for link in links:
            if link.source in layer and layer.get(link.target, -1) < layer[link.source] + 1:
                layer[link.target] = layer[link.source] + 1
                changed = True
    for key in boxes:                       # unreachable nodes (an edited graph) go in the first row
        layer.setdefault(key, 1)
    for key, box in boxes.items():
        box.rank = 2 * layer[key]

    # Each edge: a label box in the row under its source, then dummies down to its target.
    for index, link in enumerate(links):
        label = f"label{index}"
        lines = link.names        # every rule named on its edge: the picture is also the index of rules
        width = max(len(line) * SMALL_CHAR for line in lines) + 14
        boxes[label] = Box(label, "label", width, len(lines) * LABEL_LINE + 6, lines,
                           "\n".join(titles[(link.source, link.target)]), rank=boxes[link.source].rank + 1)
        link.chain = [link.source, label]
        for rank in range(boxes[link.source].rank + 2, boxes[link.target].rank):
            dummy = f"dummy{index}.{rank}"
            boxes[dummy] = Box(dummy, "dummy", DUMMY_WIDTH, 0, rank=rank)
            link.chain.append(dummy)
        link.chain.append(link.target)

    rows = _order(boxes, links)
    _place(boxes, links, rows)
    height = float(MARGIN)
    for rank, row in enumerate(rows):
        tallest = max((boxes[k].height for k in row), default=0) or LABEL_LINE
        for key in row:
            box = boxes[key]
            box.y = height + (tallest - box.height) / 2
            if box.kind == "dummy":
                box.y, box.height = height, tallest
        height += tallest + (FAN_GAP if rank % 2 == 0 else ROW_GAP)
    left = min(box.x - box.width / 2 for box in boxes.values())
    for box in boxes.values():
        box.x += MARGIN - left
    width = max(box.x + box.width / 2 for box in boxes.values()) + MARGIN
    return Layout(boxes, links, width, height - FAN_GAP + MARGIN)


def _order(boxes: dict[str, Box], links: list[Link]) -> list[list[str]]:
    """Rows of box keys, ordered by barycenter sweeps; the order with the fewest crossings wins."""
    ranks = max(box.rank for box in boxes.values()) + 1
    rows: list[list[str]] = [[] for _ in range(ranks)]
    for key, box in boxes.items():        # insertion order: the graph file's order, a stable start
        rows[box.rank].append(key)
    up: dict[str, list[str]] = {key: [] for key in boxes}
    down: dict[str, list[str]] = {key: [] for key in boxes}
    for link in links:
        for a, b in zip(link.chain, link.chain[1:], strict=False):
            down[a].append(b)
            up[b].append(a)

    def crossings(order: list[list[str]]) -> int:
        total = 0
        for upper, lower in zip(order, order[1:], strict=False):
            position = {key: i for i, key in enumerate(lower)}
            pairs = [(i, position[b]) for i, a in enumerate(upper) for b in down[a]]
            total += sum(1 for n, (a1, b1) in enumerate(pairs) for a2, b2 in pairs[n + 1:]
                         if (a1 - a2) * (b1 - b2) < 0)
        return total

    best, best_count = [list(row) for row in rows], crossings(rows)
    for sweep in range(12):
        downward = sweep % 2 == 0
        sequence = range(1, ranks) if downward else range(ranks - 2, -1, -1)
        for r in sequence:
            neighbours = rows[r - 1] if downward else rows[r + 1]
            position = {key: i for i, key in enumerate(neighbours)}
            links_of = up if downward else down
            now = {key: i for i, key in enumerate(rows[r])}

            def barycenter(key: str, position=position, links_of=links_of, now=now) -> float:
                seen = [position[k] for k in links_of[key] if k in position]
                return sum(seen) / len(seen) if seen else now[key]
            rows[r].sort(key=barycenter)
        count = crossings(rows)
        if count < best_count:
            best, best_count = [list(row) for row in rows], count
    return best


def _place(boxes: dict[str, Box], links: list[Link], rows: list[list[str]]) -> None:
    """x for every box: packed rows, then sweeps pulling each box toward its neighbours, order kept."""
    neighbours: dict[str, list[str]] = {key: [] for key in boxes}
    for link in links:
        for a, b in zip(link.chain, link.chain[1:], strict=False):
            neighbours[a].append(b)
            neighbours[b].append(a)
    for row in rows:
        x = 0.0
        for key in row:
            boxes[key].x = x + boxes[key].width / 2
            x += boxes[key].width + NODE_GAP
    widest = max(sum(boxes[k].width + NODE_GAP for k in row) for row in rows)
    for row in rows:                          # centre every row under the widest
        span = sum(boxes[k].width + NODE_GAP for k in row)
        for key in row:
            boxes[key].x += (widest - span) / 2
    for sweep in range(16):
        sequence = rows if sweep % 2 == 0 else rows[::-1]
        for row in sequence:
            if not row:
                continue
            wanted, weights = [], []
            for key in row:
                around = [boxes[k].x for k in neighbours[key]]
                wanted.append(sum(around) / len(around) if around else boxes[key].x)
                # Dummies and labels weigh more: long edges stay straight, labels sit on their edge.
                weights.append(8.0 if boxes[key].kind == "dummy" else 4.0 if boxes[key].kind == "label" else 1.0)
            gaps = [(boxes[a].width + boxes[b].width) / 2 + NODE_GAP for a, b in zip(row, row[1:], strict=False)]
            for key, x in zip(row, _ordered_fit(wanted, weights, gaps), strict=True):
                boxes[key].x = x


def _ordered_fit(wanted: list[float], weights: list[float], gaps: list[float]) -> list[float]:
    """Positions nearest `wanted` (weighted least squares) with x[i+1] - x[i] >= gaps[i]: pool adjacent violators."""
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    blocks: list[list[float]] = []          # [value, weight, count]
    for target, weight, offset in zip(wanted, weights, offsets, strict=True):
        blocks.append([target - offset, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            value, weight_b, count = blocks.pop()
            last = blocks[-1]
            total = last[1] + weight_b
            last[0] = (last[0] * last[1] + value * weight_b) / total
            last[1], last[2] = total, last[2] + count
    fitted: list[float] = []
    for value, _weight, count in blocks:
        fitted.extend([value] * int(count))
    return [value + offset for value, offset in zip(fitted, offsets, strict=True)]


# ------------------------------------------------------------------------ SVG


def to_svg(graph: Graph, path: Iterable[str] = (), fired: Iterable[str] = (), *, title: str = "") -> str:
    """The graph as an SVG document; nodes in `path` and edges of rules in `fired` are highlighted."""
    drawn = layout(graph)
    walked_nodes = set(path)
    fired_names = set(fired)
    if any(link.target == PREVIOUS and fired_names & set(link.names) for link in drawn.links):
        walked_nodes.add(PREVIOUS)
    for link in drawn.links:              # an action exception that fired: its action node too
        if link.kind == "action" and fired_names & set(link.names):
            walked_nodes.add(link.target)
    width, height = round(drawn.width), round(drawn.height)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" aria-label="{escape(title or "The knowledge graph")}" '
           f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" class="knowledge-graph">']
    if title:
        out.append(f"<title>{escape(title)}</title>")
    out.append('<defs>'
               f'<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" '
               f'markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
               f'<path d="M0,0 L10,5 L0,10 z" fill="{COLOURS["edge"]}"/></marker>'
               f'<marker id="arrow-walked" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="11" markerHeight="11" '
               f'markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
               f'<path d="M0,0 L10,5 L0,10 z" fill="{COLOURS["walked"]}"/></marker>'
               '</defs>')
    walked_links = [link for link in drawn.links if fired_names & set(link.names)]
    ports = _ports(drawn)
    # Plain edges first, walked ones on top of them.
    for index, link in sorted(enumerate(drawn.links), key=lambda item: item[1] in walked_links):
        out.append(_edge(drawn, index, link, link in walked_links, ports))
    for link in drawn.links:
        out.append(_label(drawn.boxes[link.chain[1]], fired_names, link in walked_links, link.kind))
    for box in drawn.boxes.values():
        if box.kind not in ("label", "dummy"):
            out.append(_node(box, box.key in walked_nodes))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _ports(drawn: Layout) -> dict[tuple[int, str], float]:
    """Where each edge leaves its source and enters its target: spread along the box, ordered by their other ends."""
    ports: dict[tuple[int, str], float] = {}
    outgoing: dict[str, list[tuple[float, int]]] = {}
    incoming: dict[str, list[tuple[float, int]]] = {}
    for index, link in enumerate(drawn.links):
        outgoing.setdefault(link.chain[0], []).append((drawn.boxes[link.chain[1]].x, index))
        incoming.setdefault(link.chain[-1], []).append((drawn.boxes[link.chain[-2]].x, index))
    for end, table in (("out", outgoing), ("in", incoming)):
        for key, items in table.items():
            box = drawn.boxes[key]
            spread = min(14.0, box.width * 0.6 / max(1, len(items)))
            for n, (_x, index) in enumerate(sorted(items)):
                ports[(index, end)] = box.x + (n - (len(items) - 1) / 2) * spread
    return ports


def _edge(drawn: Layout, index: int, link: Link, walked: bool, ports: dict[tuple[int, str], float]) -> str:
    boxes = drawn.boxes
    source, target = boxes[link.chain[0]], boxes[link.chain[-1]]
    points = [(ports[(index, "out")], source.y + source.height)]
    for key in link.chain[1:-1]:
        box = boxes[key]
        points.append((box.x, box.y + box.height / 2))
    points.append((ports[(index, "in")], target.y))
    # A Catmull-Rom spline through the points, leaving and entering vertically.
    lead = [(points[0][0], points[0][1] - 40)] + points + [(points[-1][0], points[-1][1] + 40)]
    d = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
    for n in range(1, len(lead) - 2):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = lead[n - 1], lead[n], lead[n + 1], lead[n + 2]
        d += (f" C{x1 + (x2 - x0) / 6:.1f},{y1 + (y2 - y0) / 6:.1f} "
              f"{x2 - (x3 - x1) / 6:.1f},{y2 - (y3 - y1) / 6:.1f} {x2:.1f},{y2:.1f}")
    colour = COLOURS["walked"] if walked else COLOURS["edge"]
    dash = ' stroke-dasharray="5 4"' if link.kind == "action" else ""
    marker = "arrow-walked" if walked else "arrow"
    return (f'<path class="edge{" walked" if walked else ""}" d="{d}" fill="none" stroke="{colour}" '
            f'stroke-width="{3 if walked else 1.4}"{dash} marker-end="url(#{marker})"/>')


def _label(box: Box, fired: set[str], walked: bool, kind: str) -> str:
    x, y = box.x - box.width / 2, box.y
    stroke = COLOURS["walked"] if walked else COLOURS["edge"]
    dash = ' stroke-dasharray="4 3"' if kind == "action" else ""
    parts = [f'<g class="label{" walked" if walked else ""}"><title>{escape(box.title)}</title>',
             f'<rect x="{x:.1f}" y="{y:.1f}" width="{box.width:.1f}" height="{box.height:.1f}" rx="4" '
             f'fill="#ffffff" stroke="{stroke}" stroke-width="{1.5 if walked else 0.8}"{dash}/>']
    for n, line in enumerate(box.lines):
        bold = ' font-weight="700"' if line in fired else ""
        colour = COLOURS["walked"] if line in fired else COLOURS["muted"]
        parts.append(f'<text x="{box.x:.1f}" y="{y + 3 + LABEL_LINE * (n + 1) - 3.5:.1f}" font-size="11" '
                     f'text-anchor="middle" fill="{colour}"{bold}>{escape(line)}</text>')
    parts.append("</g>")
    return "".join(parts)


def _node(box: Box, walked: bool) -> str:
    x, y = box.x - box.width / 2, box.y
    fills = {"start": COLOURS["start"], "previous": COLOURS["start"], "action": COLOURS["action"]}
    fill = fills.get(box.kind, COLOURS["node"])
    if walked:
        fill = COLOURS["node_walked"]
    stroke = COLOURS["walked"] if walked else COLOURS["border"]
    radius = NODE_HEIGHT / 2 if box.kind in ("start", "action") else 6
    dash = ' stroke-dasharray="5 3"' if box.kind == "previous" else ""
    parts = [f'<g class="node {box.kind}{" walked" if walked else ""}"><title>{escape(box.title)}</title>',
             f'<rect x="{x:.1f}" y="{y:.1f}" width="{box.width:.1f}" height="{box.height:.1f}" rx="{radius:.0f}" '
             f'fill="{fill}" stroke="{stroke}" stroke-width="{2.5 if walked else 1.2}"{dash}/>']
    if len(box.lines) == 1:
        parts.append(f'<text x="{box.x:.1f}" y="{y + box.height / 2 + 4:.1f}" font-size="12" font-weight="600" '
                     f'text-anchor="middle" fill="{COLOURS["text"]}">{escape(box.lines[0])}</text>')
    else:
        parts.append(f'<text x="{box.x:.1f}" y="{y + 19:.1f}" font-size="12" font-weight="600" '
                     f'text-anchor="middle" fill="{COLOURS["text"]}">{escape(box.lines[0])}</text>')
        parts.append(f'<text x="{box.x:.1f}" y="{y + 35:.1f}" font-size="11" text-anchor="middle" '
                     f'fill="{COLOURS["muted"]}">{escape(box.lines[1])}</text>')
    parts.append("</g>")
    return "".join(parts)
