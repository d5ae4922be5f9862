"""The knowledge graph: loads, is checked, draws, and a broken edit is refused with its place named."""

import shutil

import pytest

from resetdesk.errors import KnowledgeError
from resetdesk.rules.decision import SCENARIOS
from resetdesk.data import data_dir
from resetdesk.rules.graph import load_graph, to_dot, to_mermaid


def test_shipped_graph_has_every_scenario_and_links():
    graph = load_graph()
    assert set(graph.scenarios) == set(SCENARIOS)
    assert graph.resources["sspr_portal"]["url"] == "https://passwordreset.microsoftonline.com/"
    assert graph.resources["security_info"]["url"] == "https://mysignins.microsoft.com/security-info"
    for name, scenario in graph.scenarios.items():
        if scenario.action == "reply":
            assert scenario.steps["en"] and scenario.steps["nb"], name


def test_fallback_edges_of_the_article_are_in_the_graph():
    graph = load_graph()
    edges = {(e.source, e.target) for e in graph.rules}
    assert ("sspr", "security_info") in edges
    assert ("sspr", "admin_reset") in edges
    assert ("admin_reset", "new_admin_account") in edges
    assert ("admin_reset", "support") in edges


def test_exports_name_every_rule():
    graph = load_graph()
    mermaid, dot = to_mermaid(graph), to_dot(graph)
    assert mermaid.startswith("flowchart TD")
    assert dot.startswith("digraph resetdesk {") and dot.rstrip().endswith("}")
    for edge in graph.rules:
        assert edge.name in mermaid and edge.name in dot


def edited_graph(tmp_path, old, new):
    shutil.copy(data_dir() / "graph.toml", tmp_path / "graph.toml")
    text = (tmp_path / "graph.toml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "graph.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path / "graph.toml"


@pytest.mark.parametrize("old, new, message", [
    ('to = "security_info"', 'to = "securityinfo"', "unknown node 'securityinfo'"),
    ('when = ["signed_in"]', 'when = ["signed_inn"]', "unknown fact 'signed_inn'"),
    ('name = "sspr-failed"\n', 'name = "still-signed-in"\n', "name used twice"),
    ('\n[[actions]]\nname',
     '\n[[rules]]\nname = "loop"\nfrom = "support"\nwhen = ["followup_failed"]\nto = "admin_reset"\ndescription = '
     '"x"\n\n[[actions]]\nname', "-> support -> admin_reset"),
    ('name = "sspr-failed"\nfrom = "sspr"\nwhen = ["sspr_failed"]\nto = "admin_reset"\ndescription',
     'name = "sspr-failed"\nfrom = "sspr"\nwhen = ["sspr_failed"]\nto = "admin_reset"\nexplanation',
     "rules[sspr-failed]: missing key 'description'"),
    ('action = "escalate"', 'action = "shout"', "'shout' is not one of"),
])
def test_broken_edits_are_refused_with_their_place(tmp_path, old, new, message):
    with pytest.raises(KnowledgeError) as caught:
        load_graph(edited_graph(tmp_path, old, new))
    assert message in str(caught.value)


def test_graph_command_prints_both_formats():
    from click.testing import CliRunner

    from resetdesk.cli import cli

    cli_runner = CliRunner()
    result = cli_runner.invoke(cli, ["graph"])
    assert result.exit_code == 0 and "flowchart TD" in result.output
    result = cli_runner.invoke(cli, ["graph", "--format", "dot"])
    assert result.exit_code == 0 and "digraph resetdesk" in result.output
