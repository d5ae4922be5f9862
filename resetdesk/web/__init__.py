"""The web console: `resetdesk web`. See app.py (sign-in, sessions, extension points) and pages.py."""
