"""`openservice serve`: the production server (gunicorn; static files through WhiteNoise)."""

from django.core.management.base import BaseCommand, CommandError
from gunicorn.app.base import BaseApplication


class GunicornApplication(BaseApplication):
    def __init__(self, application, options: dict):
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


class Command(BaseCommand):
    help = "Serve OpenService with gunicorn (run `collectstatic` first, as `make run` does)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument("--workers", type=int, default=2, help="worker processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per worker")
        parser.add_argument("--timeout", type=int, default=60, help="worker timeout, seconds")

    def handle(self, *args, bind, workers, threads, timeout, **options):
        if workers < 1 or threads < 1 or timeout < 1:
            raise CommandError(
                "--workers, --threads and --timeout must be at least 1", returncode=2
            )
        from openservice.wsgi import application

        host, _, port = bind.rpartition(":")
        shown_host = host if host not in ("0.0.0.0", "") else "127.0.0.1"
        self.stdout.write(f"OpenService is serving on http://{shown_host}:{port}/  (Ctrl+C stops)")
        GunicornApplication(
            application,
            {
                "bind": bind,
                "workers": workers,
                "threads": threads,
                "timeout": timeout,
                "accesslog": "-",
                "errorlog": "-",
            },
        ).run()
