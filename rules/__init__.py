"""Facts out of the text, the knowledge graph, and the decision with its reasons."""
