"""The only place that imports PyQt6 and pyqtgraph: the window, its views and the worker thread."""
