"""The demo: sample returns written into the real templates, and the walk-through run."""
