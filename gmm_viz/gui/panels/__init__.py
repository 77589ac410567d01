"""The panels: controls, docks and the progress bar a person works with, around the views."""
