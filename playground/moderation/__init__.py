"""Moderation: rules that flag recorded generations automatically (rules), and moderators' decisions
on the queue of flags (flags)."""
