"""The views: dumb widgets that draw what they are given (canvas, points, plots, table, timeline)."""
