"""Intake: files leave the departments' folders for the archive."""
