from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Installed so that Django finds the management commands (seed_demo, generate_city, bench,
    bench_reports, bench_matching, bench_load). No models, no URLs."""

    name = "devtools"
