"""The column dialog's choice of the true-label column (or none)."""

from gmm_viz.gui.panels.column_dialog import ColumnDialog


def test_the_dialog_offers_the_label_columns_and_none(qtbot):
    dialog = ColumnDialog("iris.csv", ["a", "b", "c"],
                          label_columns=[("species", 3), ("site", 4)])
    qtbot.addWidget(dialog)
    combo = dialog.labels_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "species (3 values)", "site (4 values)", "none"]
    assert dialog.label_column() == "species"  # the loader's default: the first
    combo.setCurrentIndex(1)
    assert dialog.label_column() == "site"
    combo.setCurrentIndex(2)
    assert dialog.label_column() is None
    assert dialog.columns() == ["a", "b", "c"]  # text columns are never in the fit list


def test_a_file_without_label_columns_has_no_label_choice(qtbot):
    dialog = ColumnDialog("four.csv", ["a", "b", "c", "d"])
    qtbot.addWidget(dialog)
    assert dialog.labels_combo is None and dialog.label_column() is None
