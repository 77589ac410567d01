"""``json.loads`` for large documents, decoded piece by piece (pure Python, no Qt).

``json.loads`` is one C call: on a 200 MB run file it holds the GIL for seconds, and the
GUI thread, though it does not wait for the worker that reads the file, cannot run at all
meanwhile (the window froze for 6 s on a run of 300,000 iterations). :func:`loads` gives
the same result, but decodes the members of a top-level object one by one and the
elements of their arrays in small pieces, so the GIL is released between pieces (the
window keeps drawing), the progress is known, and a Cancel stops it between two pieces.

Two other long GIL holds come with building (and dropping) millions of small objects, and
are avoided here too: the cyclic garbage collector's full passes over all of them (each
one longer than the last: 0.2 s, 0.3 s, ... 0.8 s while a 300,000-iteration run was
decoded), paused with :func:`gmm_viz.bulk.collector_paused`; and freeing the whole
document in one decref, which :func:`gmm_viz.bulk.release` does in pieces instead.
"""

from __future__ import annotations

import json
import re

from gmm_viz.bulk import collector_paused
from gmm_viz.progress import report

_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")
#: Characters of flat number rows (e.g. the points of a run) decoded in one piece.
_ROWS_PIECE_CHARS = 1 << 16
#: Elements decoded one by one between two progress reports.
_REPORT_EVERY = 256


def loads(text: str, progress=None):
    """Decode ``text`` as ``json.loads(text)`` does, in pieces.

    Parameters
    ----------
    text : str
    progress : Progress, optional
        Told the share of the text decoded so far; its Cancel stops the decoding.

    Returns
    -------
    object
        Equal to ``json.loads(text)``.

    Raises
    ------
    json.JSONDecodeError
        Where ``json.loads`` raises it (the message may word the place differently).
    RecursionError
        For values nested too deeply, as ``json.loads``.
    Cancelled
        When ``progress`` was cancelled.
    """
    pos = _skip(text, 0)
    if not text.startswith("{", pos):
        return json.loads(text)  # not an object: nothing large to split, json says why
    decoder = _Pieces(text, progress)
    with collector_paused():
        value, pos = decoder.object(pos)
    if _skip(text, pos) != len(text):
        raise json.JSONDecodeError("Extra data", text, _skip(text, pos))
    return value


def _skip(text: str, pos: int) -> int:
    return _WHITESPACE.match(text, pos).end()


class _Pieces:
    """The decoder of one document (its text and where the progress goes)."""

    def __init__(self, text: str, progress):
        self.text = text
        self.progress = progress
        self.size = max(len(text), 1)

    def _expect_more(self, pos: int, what: str):
        if pos >= len(self.text):
            raise json.JSONDecodeError(f"Expecting {what}", self.text, pos)

    def object(self, pos: int):
        """The object starting at ``text[pos] == "{"``; returns (dict, end)."""
        text, result = self.text, {}
        pos = _skip(text, pos + 1)
        if text.startswith("}", pos):
            return result, pos + 1
        while True:
            self._expect_more(pos, "property name enclosed in double quotes")
            if text[pos] != '"':
                raise json.JSONDecodeError("Expecting property name enclosed in double "
                                           "quotes", text, pos)
            key, pos = _DECODER.raw_decode(text, pos)
            pos = _skip(text, pos)
            if not text.startswith(":", pos):
                raise json.JSONDecodeError("Expecting ':' delimiter", text, pos)
            pos = _skip(text, pos + 1)
            self._expect_more(pos, "value")
            if text[pos] == "[":
                value, pos = self.array(pos)
            else:
                value, pos = _DECODER.raw_decode(text, pos)
            result[key] = value
            report(self.progress, pos / self.size)
            pos, closed = self._after_value(pos, "}")
            if closed:
                return result, pos

    def array(self, pos: int):
        """The array starting at ``text[pos] == "["``; returns (list, end)."""
        text, items = self.text, []
        pos = _skip(text, pos + 1)
        if text.startswith("]", pos):
            return items, pos + 1
        while True:
            self._expect_more(pos, "value")
            if text[pos] == "[":
                rows, pos = self._flat_rows(pos)
                if rows is not None:
                    items.extend(rows)
                    if text.startswith("]", pos):
                        return items, pos + 1
                    continue
            value, pos = _DECODER.raw_decode(text, pos)
            items.append(value)
            if len(items) % _REPORT_EVERY == 0:
                report(self.progress, pos / self.size)
            pos, closed = self._after_value(pos, "]")
            if closed:
                return items, pos

    def _after_value(self, pos: int, closing: str):
        """Past the ``,`` after a value, or past ``closing``: returns (pos, closed)."""
        text = self.text
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            return _skip(text, pos + 1), False
        if text.startswith(closing, pos):
            return pos + 1, True
        raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)

    def _flat_rows(self, pos: int):
        """Many rows like ``[1.5, 2]`` from ``pos`` in one piece, or ``(None, pos)``.

        A piece ends at a ``]`` about :data:`_ROWS_PIECE_CHARS` further on. Rows of
        numbers hold no other bracket, so that ``]`` ends a row; the piece is decoded as
        one array and kept only if it really is rows of numbers and strings (anything
        else, e.g. nested arrays, is decoded element by element instead). Returns the
        rows and the position after the ``,`` that follows them (or at the closing ``]``).
        """
        text = self.text
        cut = text.find("]", pos + _ROWS_PIECE_CHARS)
        if cut < 0:
            return None, pos
        piece = text[pos:cut + 1]
        if "{" in piece:
            return None, pos
        try:
            rows = json.loads(f"[{piece}]")
        except ValueError:
            return None, pos
        if not all(type(row) is list and not any(isinstance(v, (list, dict)) for v in row)
                   for row in rows):
            return None, pos
        end = _skip(text, cut + 1)
        if text.startswith(",", end):
            end = _skip(text, end + 1)
        elif not text.startswith("]", end):
            return None, pos  # not a boundary between elements after all
        report(self.progress, end / self.size)
        return rows, end
