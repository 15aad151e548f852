"""The blind phase in every place that shows coding: retrieval, the matrix and framework, their
commands, and reconciliation and agreement (the lead's). On a project file the workbench hides
other coders' coding itself; on a team database row-level security hides it, and the workbench
says so in the same words instead of showing empty results."""

from __future__ import annotations

import asyncio
import json

import pytest
from click.testing import CliRunner

from workbench.blind import BlindPhaseError, lead_only, restricted
from workbench.cli import cli
from workbench.sample import build_demo
from workbench.session import CodingSession
from workbench.store import Store
from pilot import work_done


def cli_runner(project: str, coder: str | None = None):
    env = {"WORKBENCH_CODER": coder} if coder else {}
    return lambda *a: CliRunner(env=env).invoke(cli, ["--project", project, *a], obj={})


def table(result) -> dict:
    """A table's JSON without the moment it was made."""
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    data.pop("made_at", None)
    return data


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("blind") / "demo.db"
    store = Store.open(path, create=True)
    build_demo(store)  # maria and james coded it
    store.close()
    return path


@pytest.fixture
def blind_file(demo, tmp_path):
    """A copy of the demo in its blind phase (started by maria, who is no lead: a file has none)."""
    import shutil

    path = tmp_path / "blind.db"
    shutil.copy(demo, path)
    run = cli_runner(str(path), "maria")
    open_tables = {
        args: table(run(*args, "--format", "json"))
        for args in (("matrix",), ("matrix", "--coder", "maria"), ("frequencies", "--coder", "maria"))
    }
    assert run("phase", "blind").exit_code == 0
    return path, open_tables


def test_on_a_file_the_commands_show_only_the_coders_own_coding_and_refuse_the_leads_work(blind_file):
    path, open_tables = blind_file
    run = cli_runner(str(path), "maria")
    store = Store.open(path)
    assert restricted(store)
    store.close()

    blind_matrix = run("matrix", "--format", "json")
    assert "blind phase: only maria's own coding is shown" in blind_matrix.stderr
    mine = {k: v for k, v in table(blind_matrix).items() if k != "title" and k != "selection"}
    expected = {k: v for k, v in open_tables[("matrix", "--coder", "maria")].items() if k not in ("title", "selection")}
    assert mine == expected  # what maria alone coded, not the pooled counts
    pooled = {k: v for k, v in open_tables[("matrix",)].items() if k not in ("title", "selection")}
    assert mine != pooled  # james's coding would have changed it
    freq = table(run("frequencies", "--format", "json"))
    expected_freq = open_tables[("frequencies", "--coder", "maria")]
    assert freq == expected_freq

    framework = run("framework")
    assert framework.exit_code == 0 and "blind phase" in framework.stderr
    run_open = cli_runner(str(path), "maria")
    for args in (("matrix", "--coder", "james"), ("matrix", "--consensus"), ("framework", "--coder", "james")):
        refused = run(*args)
        assert refused.exit_code == 1 and "blind phase: maria sees only their own coding" in refused.output, args
        assert "Traceback" not in refused.output

    for command, doing in (
        ("reconcile", "reconciles"),
        ("agreement", "computes agreement"),
        ("report", "writes the study report"),
    ):
        refused = run(command)
        assert refused.exit_code == 1 and f"blind phase: only the lead {doing}" in refused.output, command
        assert "workbench phase open" in refused.output
    saturation = run("saturation", "--format", "json")
    assert saturation.exit_code == 0 and "blind phase" in saturation.stderr

    assert run_open("phase", "open").exit_code == 0
    assert table(run("matrix", "--format", "json"))["rows"] == open_tables[("matrix",)]["rows"]
    assert run("reconcile").exit_code == 0
    assert run("agreement").exit_code == 0


def test_on_a_file_the_screens_show_only_the_coders_own_coding_and_say_why(blind_file):
    from textual.widgets import Static

    from workbench.tui.app import WorkbenchApp
    from workbench.tui.screens.agreement import AgreementScreen
    from workbench.tui.screens.matrix import MatrixScreen
    from workbench.tui.screens.reconcile import ReconcileScreen
    from workbench.tui.screens.retrieval import RetrievalScreen

    path, _ = blind_file
    from workbench.coding import code_ids_under

    store = Store.open(path)
    code = next(c for c in store.codes() if {s.coder for s in store.segments(code_ids=[c.id])} == {"maria", "james"})
    everyone = store.segments(code_ids=code_ids_under(store, code.id))
    mine = sorted(s.id for s in everyone if s.coder == "maria")
    assert len(mine) < len(everyone)
    store.close()

    async def scenario() -> None:
        app = WorkbenchApp(path, "maria")
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            retrieval = RetrievalScreen(code.id)
            await app.push_screen(retrieval)
            await pilot.pause()
            assert sorted(r.id for r in retrieval.rows) == mine  # no segment of james's
            assert "blind phase" in str(retrieval.query_one("#title", Static).render())
            await pilot.press("escape")

            matrix = MatrixScreen()
            await app.push_screen(matrix)
            await work_done(app)
            await pilot.pause()
            assert matrix.coders == ["maria"] and matrix.spec().selection.coders == ["maria"]
            assert "blind phase" in str(matrix.query_one("#title", Static).render())
            await pilot.press("escape")

            from workbench.tui.screens.saturation import SaturationScreen

            saturation = SaturationScreen()
            await app.push_screen(saturation)
            await pilot.pause()
            assert saturation.spec.coders == ["maria"]
            assert "blind phase" in str(saturation.query_one("#title", Static).render())
            await pilot.press("escape")

            for screen, where, doing in (
                (ReconcileScreen(), "#progress", "reconciles"),
                (AgreementScreen(), "#summary", "computes agreement"),
            ):
                await app.push_screen(screen)
                await work_done(app)
                await pilot.pause()
                said = str(screen.query_one(where, Static).render())
                assert f"blind phase: only the lead {doing}" in said, said
                await pilot.press("escape")

    asyncio.run(scenario())


# -- on a team database ---------------------------------------------------------------------------


@pytest.fixture
def team_study(pg_cluster, pg_database, tmp_path, codebook_path):
    """A team database where alice and bob each coded a passage, in its blind phase."""
    from workbench.coding import add_segment, resolve_code
    from workbench.project import import_codebook, import_transcripts
    from workbench.store.postgres import team

    text = "Interviewer: Why partner?\n\nCarol: We had no time. Nobody had time. We trusted them anyway.\n"
    lead = f"lead_{pg_database}"
    team.init_server(pg_cluster.url(pg_database), lead=lead)
    names = {"lead": lead}
    for who in ("alice", "bob"):
        names[who] = f"{who}_{pg_database}"
        team.add_coder(pg_cluster.url(pg_database), names[who])
    url = {who: pg_cluster.url(pg_database, user=name) for who, name in names.items()}
    store = Store.open(url["lead"])
    source = tmp_path / "rb-01.txt"
    source.write_text(text)
    import_transcripts(store, [source])
    import_codebook(store, codebook_path)
    store.close()
    for who, quote in (("alice", "We had no time."), ("bob", "Nobody had time.")):
        store = Store.open(url[who])
        start = text.index(quote)
        add_segment(
            store,
            transcript_id=1,
            code_id=resolve_code(store, "Barriers/Time").id,
            coder=names[who],
            start=start,
            end=start + len(quote),
        )
        store.close()
    team.set_phase(url["lead"], True)
    return names, url


def test_on_a_team_database_a_coder_is_told_what_the_database_hides(team_study):
    names, url = team_study
    alice = cli_runner(url["alice"])
    listed = alice("segments", "--format", "json")
    assert listed.exit_code == 0 and [r["coder"] for r in json.loads(listed.stdout)] == [names["alice"]]
    assert f"blind phase: only {names['alice']}'s own coding is shown" in listed.stderr
    peek = alice("segments", "--coder", names["bob"])
    assert peek.exit_code == 1 and "blind phase:" in peek.output  # said, rather than an empty list
    matrix = alice("matrix", "--format", "json")
    assert matrix.exit_code == 0 and "blind phase" in matrix.stderr
    assert json.loads(matrix.stdout)["selection"] == f"coders: {names['alice']}"
    for command, doing in (("reconcile", "reconciles"), ("agreement", "computes agreement")):
        refused = alice(command)
        assert refused.exit_code == 1 and f"blind phase: only the lead {doing}" in refused.output, refused.output
        assert "Ask the project lead" in refused.output

    lead = cli_runner(url["lead"])
    assert lead("reconcile").exit_code == 0  # the lead reconciles while coders are blind
    everyone = lead("segments", "--format", "json")
    assert sorted(r["coder"] for r in json.loads(everyone.stdout)) == sorted([names["alice"], names["bob"]])
    assert "blind phase" not in everyone.stderr

    store = Store.open(url["alice"])
    try:
        assert restricted(store)
        with pytest.raises(BlindPhaseError, match="only the lead reconciles"):
            lead_only(store, names["alice"], "reconciles")
        session = CodingSession(store, 1, names["alice"])
        session.open(session.read())
        with pytest.raises(BlindPhaseError, match="blind phase"):
            session.toggle_all_coders()
    finally:
        store.close()
    store = Store.open(url["lead"])
    try:
        assert not restricted(store)
    finally:
        store.close()
