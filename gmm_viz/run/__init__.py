"""A run: its Qt-free session (data, config, engine, history), the history itself and run files."""
