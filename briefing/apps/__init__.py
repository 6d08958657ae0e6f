"""Front ends over the stages: the command line (cli.py; schedule.py prints its cron and systemd jobs) and
`briefing serve` (serve.py: the app and its routes; web.py: the HTTP edge; batching.py: requests' articles
summarized together in one model thread; static/: the served page, its CSS and script)."""
