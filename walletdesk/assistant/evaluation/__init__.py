"""Conversation scenarios as data (`manage.py assistant_eval`): load, snapshot, run, score."""
