"""Acting on decisions: replies, escalations, approved resets."""
