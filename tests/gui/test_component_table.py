"""The component table shows what the scenarios tell the user to look at."""

from dataclasses import replace

import numpy as np

from gmm_viz.data import make_dataset
from gmm_viz.engine import EMConfig
from gmm_viz.gui.views.component_table import COLUMNS, ComponentTable
from gmm_viz.run.session import RunSession
from gmm_viz.scenarios import get_scenario, run_scenario


def test_needle_is_visible_in_the_condition_number_column(qtbot):
    table = ComponentTable()
    qtbot.addWidget(table)
    _, snaps = run_scenario(get_scenario("needle"))
    final = snaps[-1]
    table.show_snapshot(final)
    cond = COLUMNS.index("cond")
    needle = int(final.condition_number.argmax())
    assert float(table.item(needle, cond).text()) > 1e4
    assert float(table.item(needle, COLUMNS.index("det(cov)")).text()) > 1e-2
    healthy = int(final.condition_number.argmin())
    assert float(table.item(healthy, cond).text()) < 100
    assert table.horizontalHeaderItem(cond).toolTip()


def test_flags_name_flagged_and_replaced_components(qtbot):
    table = ComponentTable()
    qtbot.addWidget(table)
    _, snaps = run_scenario(get_scenario("collapse"))
    hit = next(s for s in snaps if s.recovered_components)
    table.show_snapshot(hit)
    k = hit.recovered_components[0]
    flags = table.item(k, COLUMNS.index("flags")).text()
    assert "flagged" in flags and "re-placed" in flags
    others = [r for r in range(hit.n_components) if not hit.flagged[r]]
    assert all(table.item(r, COLUMNS.index("flags")).text() == "" for r in others)
    np.testing.assert_equal(table.rowCount(), hit.n_components)


def test_arrays_shorter_than_k_leave_dashes(qtbot):
    """A damaged snapshot (arrays shorter than k) never makes the table raise."""
    from dataclasses import replace

    table = ComponentTable()
    qtbot.addWidget(table)
    _, snaps = run_scenario(get_scenario("collapse"))
    full = snaps[-1]
    k = full.n_components
    damaged = replace(full, det=full.det[:1], nk=full.nk[:2], means=full.means[:1],
                      condition_number=full.condition_number[:0], flagged=full.flagged[:1])
    table.show_snapshot(damaged)
    assert table.rowCount() == k
    last = k - 1
    for name in ("det(cov)", "N_k", "mean", "cond"):
        assert table.item(last, COLUMNS.index(name)).text() == "\u2013"
    assert table.item(0, COLUMNS.index("det(cov)")).text() != "\u2013"


def test_columns_follow_their_contents_as_values_grow_and_shrink(qtbot):
    snapshot = RunSession(make_dataset("blobs", n_samples=300, random_state=0),
                          EMConfig(n_components=3, rule="none")).frame().snapshot
    table = ComponentTable()
    qtbot.addWidget(table)
    table.resize(560, 220)
    table.show()
    table.show_snapshot(snapshot)
    header = table.horizontalHeader()
    narrow = header.sectionSize(2)
    table.show_snapshot(replace(snapshot, means=snapshot.means * 1e7 + 123456.789))
    assert header.sectionSize(2) > narrow  # the whole mean stays readable
    table.show_snapshot(snapshot)
    assert header.sectionSize(2) == narrow


def test_a_component_without_weight_is_marked_empty_and_faded(qtbot):
    """The local-optimum run starves components: those with less than one point's worth
    of weight say "empty" and are greyed; the others do not."""
    table = ComponentTable()
    qtbot.addWidget(table)
    _, snaps = run_scenario(get_scenario("local-optimum"))
    final = snaps[-1]
    n_points = float(np.sum(final.nk))
    weights = np.asarray(final.weights)
    starving = [c for c in range(final.n_components) if weights[c] * n_points < 1.0]
    if not starving:  # make one: the same state with a component's weight ~0
        weights = weights.copy()
        weights[0] = 1e-9
        weights /= weights.sum()
        final = replace(final, weights=weights)
        starving = [0]
    table.show_snapshot(final)
    flags = COLUMNS.index("flags")
    for row in range(final.n_components):
        text = table.item(row, flags).text()
        grey = table.item(row, COLUMNS.index("weight")).foreground().color().getRgb()[:3]
        if row in starving:
            assert "empty" in text and grey == (150, 150, 150)
        else:
            assert "empty" not in text and grey != (150, 150, 150)


def test_frames_that_change_no_text_leave_the_cells_alone_and_a_later_change_shows(qtbot):
    """Once a run settles most frames change no text: the table sets nothing then, and
    still shows the next value that does change, and a new palette's text colour."""
    from PyQt6.QtGui import QColor, QPalette

    table = ComponentTable()
    qtbot.addWidget(table)
    _, snaps = run_scenario(get_scenario("collapse"))
    shown = snaps[-1]
    table.show_snapshot(shown)
    changed_cells = []
    table.itemChanged.connect(lambda item: changed_cells.append((item.row(), item.column())))
    # The next iteration of a settled run: values differ beyond the digits shown.
    weights = np.array(shown.weights) * (1 + 1e-9)
    weights.setflags(write=False)
    table.show_snapshot(replace(shown, weights=weights, iteration=shown.iteration + 1))
    assert changed_cells == []
    weight = COLUMNS.index("weight")
    bigger = np.array(shown.weights)
    bigger[0] += 0.1
    bigger.setflags(write=False)
    table.show_snapshot(replace(shown, weights=bigger, iteration=shown.iteration + 2))
    assert changed_cells == [(0, weight)]
    assert table.item(0, weight).text() == f"{bigger[0]:.3f}"
    palette = table.palette()
    palette.setColor(QPalette.ColorRole.Text, QColor(10, 20, 200))
    table.setPalette(palette)
    table.show_snapshot(replace(shown, weights=bigger, iteration=shown.iteration + 3))
    full = [r for r in range(shown.n_components) if not shown.nk[r] < 1]
    assert table.item(full[0], weight).foreground().color() == QColor(10, 20, 200)
