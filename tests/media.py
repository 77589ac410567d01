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


def gif_structure(path):
    """The blocks of a GIF file, read byte by byte (Pillow hides which tables it found).

    Returns
    -------
    dict
        ``global_palette``: the size of the global colour table (0 when there is none);
        ``local_palettes``: how many frames carry a colour table of their own;
        ``frames``: the number of images; ``frame_bytes``: the compressed size of each
        image's data; ``boxes``: each image's (left, top, width, height).
    """
    data = path.read_bytes()
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError(f"{path} is not a GIF")
    flags = data[10]
    global_size = 3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0
    pos = 13 + global_size
    local, frame_bytes, boxes = 0, [], []

    def skip_sub_blocks(pos):
        total = 0
        while data[pos]:
            total += data[pos]
            pos += data[pos] + 1
        return pos + 1, total

    while data[pos] != 0x3B:  # the trailer
        if data[pos] == 0x21:  # an extension: label, then sub-blocks
            pos, _ = skip_sub_blocks(pos + 2)
        elif data[pos] == 0x2C:  # an image descriptor
            left, top, width, height = (int.from_bytes(data[pos + 1 + 2 * i: pos + 3 + 2 * i],
                                                       "little") for i in range(4))
            boxes.append((left, top, width, height))
            packed = data[pos + 9]
            pos += 10
            if packed & 0x80:
                local += 1
                pos += 3 * 2 ** ((packed & 7) + 1)
            pos, size = skip_sub_blocks(pos + 1)  # after the LZW minimum code size
            frame_bytes.append(size)
        else:
            raise ValueError(f"{path}: unexpected block 0x{data[pos]:02x} at byte {pos}")
    return {"global_palette": global_size // 3, "local_palettes": local,
            "frames": len(boxes), "frame_bytes": frame_bytes, "boxes": boxes}
