"""WSGI entry point (gunicorn serves `openservice.wsgi:application`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openservice.settings")

application = get_wsgi_application()
