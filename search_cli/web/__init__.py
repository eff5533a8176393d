"""`govarchive serve`: the server-rendered search page for researchers (WSGI, Jinja2)."""
