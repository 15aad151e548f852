"""The agreement screen's round and calibration keys, and the calibration screen, through Pilot."""

from __future__ import annotations

import asyncio

import pytest
from pilot import settle

from workbench.agreement.rounds import start_round
from workbench.coding import add_segment, resolve_code
from workbench.store import Store
from workbench.tui.app import WorkbenchApp

TEXT = (
    "Interviewer: What gets in the way?\n\n"
    "Carol: Time, mostly. Everybody is seeing patients back to back. There is no hour in the week.\n\n"
    "Interviewer: And money?\n\nCarol: Money too. The grant ended in June.\n"
)


pytestmark = pytest.mark.both_engines  # each test's project: a file, then a team database


@pytest.fixture
def project(one_transcript):
    path = one_transcript(TEXT)
    store = Store.open(path)
    time_id = resolve_code(store, "Barriers/Time").id
    money_id = resolve_code(store, "Barriers/Funding and material resources").id
    text = store.transcript_text(1)
    at = lambda quote: (text.index(quote), text.index(quote) + len(quote))  # noqa: E731
    add_segment(
        store, transcript_id=1, code_id=time_id, coder="maria", start=at("Time, mostly.")[0], end=at("Time, mostly.")[1]
    )
    add_segment(
        store,
        transcript_id=1,
        code_id=time_id,
        coder="james",
        start=at("Time, mostly.")[0],
        end=at("There is no hour in the week.")[1],
    )
    start_round(store, "v2")
    add_segment(
        store,
        transcript_id=1,
        code_id=money_id,
        coder="maria",
        start=at("Money too.")[0],
        end=at("The grant ended in June.")[1],
    )
    add_segment(
        store, transcript_id=1, code_id=money_id, coder="james", start=at("Money too.")[0], end=at("Money too.")[1]
    )
    store.close()
    return path


def test_round_key_and_calibration_screen(project):
    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(app, pilot)
            await pilot.press("a")
            await settle(app, pilot)
            agreement = app.screen
            assert agreement.report.overall.gwet_ac1 is not None
            await pilot.press("o")  # first round in the cycle: before rounds
            await settle(app, pilot)
            assert agreement.report.spec.round == "(before rounds)"
            assert {c.code for c in agreement.report.codes if c.prevalence} == {"Barriers/Time"}
            await pilot.press("o")
            await settle(app, pilot)
            assert agreement.report.spec.round == "v2"
            await pilot.press("k")
            await settle(app, pilot)
            screen = app.screen
            assert type(screen).__name__ == "CalibrationScreen"
            assert (screen.report.gold, screen.report.trainee) == ("james", "maria")
            rows = screen.query_one("DataTable").row_count
            assert rows == 2  # the two codes either coder applied
            details = str(screen.query_one("#calibration-text").render())
            assert "Definition" in details and ("Missed" in details or "Extra" in details)
            await pilot.press("t")  # trainee cycles; with two coders it stays maria
            await settle(app, pilot)
            assert screen.report.trainee == "maria"
            await pilot.press("g")
            await settle(app, pilot)
            assert (screen.report.gold, screen.report.trainee) == ("james", "maria")  # gold never becomes the trainee
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is agreement

    asyncio.run(scenario())
