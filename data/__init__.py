"""The knowledge as data: graph, lexicons, templates, sample mail (no code)."""
