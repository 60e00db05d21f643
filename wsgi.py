"""Entry point for gunicorn and the flask command: ``app = create_app()``."""
from app import create_app

app = create_app()
