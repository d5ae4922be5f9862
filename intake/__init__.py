"""Mail in: sources (IMAP, Maildir), parsing and normalisation."""
