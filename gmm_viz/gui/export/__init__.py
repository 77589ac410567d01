"""Exports from the window: pictures, animations, run files and the offscreen renderer."""
