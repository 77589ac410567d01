"""Compact animated GIFs: one palette for the whole animation, only the changed pixels.

The moons run (200 frames at 1200x560) was 10.5 MB: every frame was quantised to its own
256-colour palette (a 768-byte local colour table each, and the same white or the same
blue could get a different palette entry in the next frame, so "what changed" was most of
the frame), and each frame stored the whole rectangle around its changes.

Here (as Pillow's own writer does with a global palette and ``optimize=True``):

- :func:`shared_palette` picks at most :data:`N_COLOURS` colours once, from a few sample
  frames of the run (the component colours, their shades, the backgrounds and the text are
  few), and the file's global colour table holds them; no frame has a table of its own.
- Every frame is mapped to that palette (:class:`PaletteMap`: the nearest colour, no
  dithering, which would make unchanged areas flicker between frames), so a pixel that
  did not change has the same index as before.
- After the first frame, only the rectangle around the changed pixels is stored, and
  inside it every unchanged pixel is the transparent index :data:`TRANSPARENT` (the frame
  is drawn over the previous one, disposal 1): long runs of one index, which GIF's LZW
  (Pillow's encoder) packs into a few bytes.

:class:`GifWriter` writes each frame as soon as the next one differs from it, through
Pillow's documented frame encoder (``GifImagePlugin.getheader`` / ``getdata``), so memory
stays flat whatever the number of frames (Pillow's ``save_all`` collects every frame in a
list first: 10,000 frames at 1200x560 held 6.7 GB).
"""

from __future__ import annotations

import numpy as np

#: Colours of the shared palette; the last of the 256 entries is the transparent one.
N_COLOURS = 255
#: Palette entries given to the samples' most frequent colours exactly.
EXACT_COLOURS = 160
#: The palette index of "unchanged since the previous frame".
TRANSPARENT = 255
#: GIF's disposal method 1: leave the frame in place; the next one is drawn over it.
DO_NOT_DISPOSE = 1


def shared_palette(samples) -> np.ndarray:
    """At most :data:`N_COLOURS` colours that represent every sample frame.

    The frames are mostly flat colours (the background, the component colours, their
    ellipse shades, the text): the :data:`EXACT_COLOURS` most frequent colours of the
    samples enter the palette exactly, so they are drawn exactly; the remaining entries are
    a median cut of the other pixels (antialiased edges, soft blends, the density image),
    which map to their nearest entry.

    Parameters
    ----------
    samples : sequence of ndarray of shape (height, width, 3), uint8
        A few frames of the animation (e.g. the first, the last, some between, and frames
        with rare colours such as the re-placement markers).

    Returns
    -------
    palette : ndarray of shape (n_colours, 3), uint8
        Distinct colours, ``n_colours <= N_COLOURS``.
    """

    pixels = [np.asarray(s, dtype=np.uint8).reshape(-1, 3) for s in samples]
    if not pixels:
        raise ValueError("a shared palette needs at least one sample frame.")
    pixels = np.concatenate(pixels)
    packed = _pack(pixels)
    values, counts = np.unique(packed, return_counts=True)
    if len(values) <= N_COLOURS:
        return _unpack(values)
    order = np.argsort(counts, kind="stable")[::-1]
    exact, rest = values[order[:EXACT_COLOURS]], values[order[EXACT_COLOURS:]]
    return _unpack(np.concatenate([exact, _spread(exact, rest, N_COLOURS - len(exact))]))


def _spread(chosen: np.ndarray, candidates: np.ndarray, n: int) -> np.ndarray:
    """``n`` of ``candidates`` (packed colours), each the farthest from every colour
    chosen before it (greedy max-min distance in RGB).

    A median cut weighs colours by their pixels, and merged a few hundred pixels of a
    distinct colour (the green convergence star, the red re-placement markers) into a
    grey entry; the farthest colours are exactly those.
    """
    rgb = _unpack(candidates).astype(np.int32)
    nearest = np.full(len(rgb), np.iinfo(np.int32).max, dtype=np.int64)
    for colour in _unpack(chosen).astype(np.int32):
        np.minimum(nearest, ((rgb - colour) ** 2).sum(axis=1), out=nearest)
    picked = []
    for _ in range(min(n, len(rgb))):
        best = int(nearest.argmax())
        if nearest[best] == 0:
            break
        picked.append(best)
        np.minimum(nearest, ((rgb - rgb[best]) ** 2).sum(axis=1), out=nearest)
    return candidates[picked]


def _pack(rgb: np.ndarray) -> np.ndarray:
    """``(..., 3)`` uint8 colours as one int32 each, ``r << 16 | g << 8 | b``."""
    rgb = np.asarray(rgb, dtype=np.int32)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def _unpack(packed: np.ndarray) -> np.ndarray:
    packed = np.asarray(packed, dtype=np.int32)
    return np.stack([packed >> 16, (packed >> 8) & 255, packed & 255], axis=-1).astype(np.uint8)


class PaletteMap:
    """RGB frames to the indices of a fixed palette: each colour to its nearest entry.

    Exact, unlike Pillow's ``quantize(palette=...)``, which looks colours up in boxes of
    4 levels per channel (it drew the white background as 252, 252, 252). A table over
    all 2**24 colours (16 MiB) remembers every colour met so far, so a frame costs one
    lookup per pixel, and the nearest entry is searched only for colours not seen before.

    Parameters
    ----------
    colours : ndarray of shape (n_colours, 3), uint8
        1 to :data:`N_COLOURS` colours.
    """

    def __init__(self, colours):
        colours = np.asarray(colours, dtype=np.uint8).reshape(-1, 3)
        if not 1 <= len(colours) <= N_COLOURS:
            raise ValueError(f"a shared palette has 1 to {N_COLOURS} colours; "
                             f"got {len(colours)}.")
        self.colours = colours
        self._entries = colours.astype(np.int32)
        # TRANSPARENT marks "not looked up yet": no colour ever maps to it.
        self._table = np.full(1 << 24, TRANSPARENT, dtype=np.uint8)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """The indices of ``image`` (``(height, width, 3)`` uint8): ``(height, width)``
        uint8, every one below the palette's length (never :data:`TRANSPARENT`)."""
        packed = _pack(image)
        indices = self._table[packed]
        new = indices == TRANSPARENT
        if new.any():
            colours = np.unique(packed[new])
            rgb = _unpack(colours).astype(np.int32)
            nearest = np.empty(len(colours), dtype=np.uint8)
            for start in range(0, len(colours), 4096):  # bounded (4096, n_colours) blocks
                block = rgb[start:start + 4096]
                distance = ((block[:, None, :] - self._entries[None, :, :]) ** 2).sum(axis=2)
                nearest[start:start + 4096] = distance.argmin(axis=1)
            self._table[colours] = nearest
            indices = self._table[packed]
        return indices


def changed_box(before: np.ndarray, after: np.ndarray):
    """The smallest rectangle holding every pixel that differs, or None if none does.

    Parameters
    ----------
    before, after : ndarray of shape (height, width) or (height, width, channels)

    Returns
    -------
    (left, top, right, bottom) or None
        Right and bottom exclusive, as Pillow's boxes.
    """
    changed = before != after
    if changed.ndim == 3:
        changed = changed.any(axis=2)
    rows = np.flatnonzero(changed.any(axis=1))
    if rows.size == 0:
        return None
    columns = np.flatnonzero(changed.any(axis=0))
    return int(columns[0]), int(rows[0]), int(columns[-1]) + 1, int(rows[-1]) + 1


class GifWriter:
    """An animated GIF with one shared palette, written frame by frame.

    A repeated frame is merged into a longer delay of the one before; the animation
    loops forever.

    Parameters
    ----------
    path : Path
        The file to write (created or truncated).
    palette : ndarray of shape (n_colours, 3), uint8
        The colours of every frame (:func:`shared_palette`), at most :data:`N_COLOURS`.
    delay_cs : int
        The delay of one frame in hundredths of a second (see
        :func:`~gmm_viz.gui.export.render.gif_delay_centiseconds`).
    """

    def __init__(self, path, palette, delay_cs: int):
        self._delay_ms = 10 * int(delay_cs)
        self._map = PaletteMap(palette)
        colours = self._map.colours
        # The file's global colour table: the colours, padded to 256 entries (GIF's tables
        # have a power-of-two size); the last entry is the transparent one.
        table = np.zeros((256, 3), dtype=np.uint8)
        table[: len(colours)] = colours
        self._table = table.tobytes()
        self._file = open(path, "wb")  # noqa: SIM115 - closed by close() or abort()
        self._shown = None  # the indices of the picture as it appears: (height, width)
        # The newest frame, not written yet (a repeat of it adds to its delay):
        # [P image (cropped), offset (x, y), delay ms, transparent index or None]
        self._pending = None

    def append(self, image):
        """Add a frame: ``image`` an ``(height, width, 3)`` uint8 RGB array."""
        from PIL import GifImagePlugin, Image

        indices = self._map(image)
        if self._shown is None:
            first = Image.fromarray(indices, "P")
            first.putpalette(self._table)
            header, _ = GifImagePlugin.getheader(first, info=self._info())
            self._file.write(b"".join(header))
            self._pending = [first, (0, 0), self._delay_ms, None]
            self._shown = indices
            return
        box = changed_box(self._shown, indices)
        if box is None:  # the same picture again: show the one before longer
            self._pending[2] += self._delay_ms
            return
        self._write_pending()
        left, top, right, bottom = box
        delta = indices[top:bottom, left:right].copy()
        delta[self._shown[top:bottom, left:right] == delta] = TRANSPARENT
        self._pending = [Image.fromarray(delta, "P"), (left, top), self._delay_ms,
                         TRANSPARENT]
        self._shown = indices

    def close(self):
        """Write the last frame and the trailer; the file is complete."""
        try:
            if self._pending is not None:
                self._write_pending()
            self._file.write(b";")  # GIF trailer
        finally:
            self._file.close()

    def abort(self):
        """Stop; the caller removes the partial file."""
        self._pending = None
        self._file.close()

    def _info(self) -> dict:
        # No "optimize": the global table is written as given, every index keeps its colour.
        return {"loop": 0, "duration": self._delay_ms, "optimize": False}

    def _write_pending(self):
        from PIL import GifImagePlugin

        frame, offset, delay, transparent = self._pending
        params = {"duration": delay, "disposal": DO_NOT_DISPOSE}
        if transparent is not None:
            params["transparency"] = transparent
        for chunk in GifImagePlugin.getdata(frame, offset, **params):
            self._file.write(chunk)
        self._file.flush()  # on its way to the disk: nothing of it stays here
        self._pending = None
