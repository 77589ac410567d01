"""Benchmarks of the engine, the drawing and the window against their references."""
