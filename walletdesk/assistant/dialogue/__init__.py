"""The assistant's dialogue engine: one customer turn in, replies (and at most one confirmed
action) out. `engine.handle_turn` is the entry point; flows read other apps through facades."""
