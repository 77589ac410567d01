"""A run, Qt-free: its session (data, config, engine, history), the history itself, the
sentences that describe its states, and run files."""
