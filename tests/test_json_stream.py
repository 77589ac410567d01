"""The piecewise JSON decoder gives exactly json.loads's result, and fails where it fails."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmm_viz import json_stream
from gmm_viz.progress import Cancelled, Progress

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=False), st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=6), st.dictionaries(st.text(max_size=5), inner, max_size=5)),
    max_leaves=40)
documents = st.dictionaries(st.text(max_size=6), st.one_of(
    values, st.lists(st.lists(st.floats(allow_nan=False), max_size=3), max_size=50),
    st.lists(values, max_size=20)), max_size=6)


@settings(max_examples=300, deadline=None)
@given(documents, st.sampled_from([None, 0, 2]), st.booleans())
def test_the_same_as_json_loads(document, indent, compact):
    text = json.dumps(document, indent=indent,
                      separators=(",", ":") if compact and indent is None else None)
    assert json_stream.loads(text) == json.loads(text)


def test_long_rows_of_numbers_are_decoded_in_pieces(monkeypatch):
    monkeypatch.setattr(json_stream, "_ROWS_PIECE_CHARS", 50)
    document = {"points": [[i * 0.5, -i, "x"] for i in range(2_000)],
                "nested": [[[1, 2], [3]], [[4]]] * 30, "after": {"a": [1, 2]}}
    for indent in (None, 1):
        text = json.dumps(document, indent=indent)
        assert json_stream.loads(text) == document


@pytest.mark.parametrize("text", [
    '{"a": [1, 2,]}', '{"a": [1 2]}', '{"a": 1,}', '{"a" 1}', '{"a": [1, 2]', '{"a": 1} x',
    '{"a": [[1, 2], [3, 4]', '{"a": [[1, 2] [3, 4]]}', "{1: 2}", '{"a": [' + "1," * 5 + "]}",
])
def test_fails_where_json_loads_fails(text):
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        json_stream.loads(text)


def test_progress_is_reported_and_cancel_stops(monkeypatch):
    monkeypatch.setattr(json_stream, "_REPORT_EVERY", 4)
    text = json.dumps({"iterations": [{"i": i} for i in range(1_000)]})
    progress = Progress()
    json_stream.loads(text, progress)
    assert progress.fraction == pytest.approx(1.0, abs=0.01)
    cancelled = Progress()
    cancelled.cancel()
    with pytest.raises(Cancelled):
        json_stream.loads(text, cancelled)
