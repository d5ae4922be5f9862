"""The knowledge graph drawn as SVG: every rule labelled, nothing overlapping, the walked path highlighted."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET

from click.testing import CliRunner

from resetdesk.cli import cli
from resetdesk.rules.drawing import NODE_GAP, layout, to_svg
from resetdesk.rules.graph import load_graph

SVG = "{http://www.w3.org/2000/svg}"


def overlaps(a, b) -> bool:
    return not (a.x + a.width / 2 <= b.x - b.width / 2 or b.x + b.width / 2 <= a.x - a.width / 2
                or a.y + a.height <= b.y or b.y + b.height <= a.y)


def test_the_layout_is_top_down_compact_and_nothing_overlaps():
    graph = load_graph()
    drawn = layout(graph)
    assert drawn.width < 1400 and drawn.height < 900          # DOT with full labels: 7,600 px wide
    boxes = [box for box in drawn.boxes.values() if box.kind != "dummy"]
    for n, a in enumerate(boxes):
        for b in boxes[n + 1:]:
            assert not overlaps(a, b), (a.key, b.key)
    rows: dict[int, list] = {}
    for box in drawn.boxes.values():
        rows.setdefault(box.rank, []).append(box)
    for row in rows.values():
        row.sort(key=lambda box: box.x)
        for a, b in zip(row, row[1:], strict=False):
            assert b.x - a.x >= (a.width + b.width) / 2 + NODE_GAP - 0.01, (a.key, b.key)
    # Top-down: every edge goes down, the start on top.
    for link in drawn.links:
        assert drawn.boxes[link.target].rank > drawn.boxes[link.source].rank, link
    assert drawn.boxes["start"].rank == 0


def test_every_rule_is_named_and_described_once():
    graph = load_graph()
    svg = to_svg(graph)
    root = ET.fromstring(svg)
    labels = [text.text for group in root.iter(f"{SVG}g") if "label" in group.get("class", "").split()
              for text in group.iter(f"{SVG}text")]
    for rule in list(graph.rules) + list(graph.actions):
        assert labels.count(rule.name) == 1, rule.name
        assert html.escape(rule.description) in svg
    assert "style" not in svg and "<script" not in svg        # passes a strict CSP when inlined


def test_the_walked_path_is_highlighted():
    graph = load_graph()
    root = ET.fromstring(to_svg(graph, ["start", "sspr", "admin_reset"], ["own-password-lost", "sspr-failed"]))
    walked = {group.find(f"{SVG}text").text for group in root.iter(f"{SVG}g")
              if "walked" in group.get("class", "").split() and "node" in group.get("class", "").split()}
    assert walked == {"mail arrives", "sspr", "admin_reset"}
    walked_edges = [path for path in root.iter(f"{SVG}path") if path.get("class") == "edge walked"]
    assert len(walked_edges) == 2
    plain = ET.fromstring(to_svg(graph))
    assert not [g for g in plain.iter(f"{SVG}g") if "walked" in g.get("class", "")]


def test_a_follow_up_and_an_action_exception_light_up_their_nodes():
    graph = load_graph()
    root = ET.fromstring(to_svg(graph, ["start", "admin_reset"], ["thread-follow-up", "authorized-reset-request"]))
    walked = {group.get("class") for group in root.iter(f"{SVG}g") if "walked" in group.get("class", "")}
    assert {"node previous walked", "node action walked"} <= walked


def test_graph_command_writes_svg():
    result = CliRunner().invoke(cli, ["graph", "--format", "svg"])
    assert result.exit_code == 0
    assert ET.fromstring(result.output).tag == f"{SVG}svg"
