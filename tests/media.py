"""Reading exported animations back, for tests."""

import numpy as np


def read_frames(path):
    """Every frame of a GIF or MP4 as an RGB array.

    GIFs are read with Pillow, which composes each frame to the full canvas (imageio's
    reader returns the cropped delta frames Pillow writes).
    """
    if path.suffix == ".gif":
        from PIL import Image, ImageSequence

        with Image.open(path) as gif:
            return [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(gif)]
    import imageio.v2 as imageio

    with imageio.get_reader(path) as reader:
        # Not list(reader): its length hint is infinite for a stream.
        return [frame for frame in reader]
