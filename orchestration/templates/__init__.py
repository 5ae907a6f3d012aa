"""The blank returns departments fill: written from the return definitions."""
