"""Record README's GIF of dragging means out of a local optimum
(run: ``DISPLAY=:7 python tools/record_drag_gif.py assets/drag_mean.gif``).

It drives the real window as a user would, through the same calls the mouse makes
(``controller.move_mean``, Step): the study's local-optimum run falls into its trap (one
Gaussian over three clusters, two starving); then a starving mean is dragged onto a
cluster the spanning Gaussian holds, and EM continues from there and climbs out.
"""

import os
import sys
import time

import numpy as np
from PIL import Image
from PyQt6.QtWidgets import QApplication


def main(out):
    os.environ.setdefault("GMM_VIZ_SETTINGS", "/tmp/gmm_viz_record.ini")
    app = QApplication([])
    from gmm_viz.gui.main_window import LaunchOptions, MainWindow

    window = MainWindow(LaunchOptions(scenario="local-optimum"))
    window.show()
    # The canvas, the timeline, the curve and the table: the docks are not the story.
    for dock in (window.dock, window.scenarios.dock, window.inspection.dock):
        dock.hide()
    window.resize(1100, 700)
    frames = []

    def pump(seconds=0.05):
        end = time.time() + seconds
        while time.time() < end:
            app.processEvents()

    def settle():
        pump(0.25)

    def grab():
        image = window.centralWidget().grab().toImage()
        width, height = image.width(), image.height()
        buffer = image.constBits().asstring(image.sizeInBytes())
        rgba = np.frombuffer(buffer, np.uint8).reshape(height, image.bytesPerLine() // 4, 4)
        frame = Image.fromarray(rgba[:, :width, [2, 1, 0]].copy())
        frames.append(frame.resize((width * 2 // 3, height * 2 // 3), Image.LANCZOS))

    def steps(n):
        for _ in range(n):
            window.panel.action_step.trigger()
            settle()
            grab()

    def drag(component, target, moves=10):
        start = np.array(window.last_frame.snapshot.means[component], dtype=float)
        for t in np.linspace(0, 1, moves + 1)[1:]:
            window.controller.move_mean(component, start + t * (np.asarray(target) - start))
            settle()
            grab()

    pump(1)
    window.pause()
    window.panel.action_reset.trigger()
    pump(1)
    grab()
    steps(50)  # EM falls into the study's local optimum: one Gaussian over three clusters
    for _ in range(1):
        snapshot = window.last_frame.snapshot
        weights = np.asarray(snapshot.weights)
        spanning = int(np.argmax(weights))
        starving = int(np.argmin(weights))
        # The true cluster the spanning Gaussian holds that lies farthest from its mean.
        X, truth, labels = window.dataset.X, window.dataset.labels, snapshot.labels
        held = [c for c in np.unique(truth)
                if np.mean(labels[truth == c] == spanning) > 0.5]
        centres = {c: X[truth == c].mean(axis=0) for c in held}
        target = max(centres.values(),
                     key=lambda m: np.linalg.norm(m - snapshot.means[spanning]))
        drag(starving, target)
        steps(30)
    durations = [120] * len(frames)
    durations[-1] = 1500
    frames[0].save(out, save_all=True, append_images=frames[1:], duration=durations,
                   loop=0, optimize=True)
    print(f"wrote {out}: {len(frames)} frames, {os.path.getsize(out):,} bytes")
    window.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "drag_mean.gif")
