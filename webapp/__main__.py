"""`python -m webapp ...`: serve, check-content, migrate, load-demo, backup, restore ..."""

import os
import sys

import click

from . import config


@click.group(help="CNAS services web application.")
def cli():
    pass


@cli.command("check-content")
@click.option("--content-dir", default=None, help="Folder to check (default: CONTENT_DIR or content/).")
def check_content(content_dir):
    """Validate every content file; print one line per problem."""
    from .catalog import ContentError, load_catalog

    folder = content_dir or config.from_env()["CONTENT_DIR"]
    try:
        catalog = load_catalog(folder)
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise SystemExit(f"{len(exc.problems)} problem(s) in {folder}") from None
    tasks = sum(len(s["tasks"]) for s in catalog.services)
    click.echo(f"OK: {len(catalog.services)} services, {tasks} tasks, {len(catalog.agencies)} agencies")


@cli.command()
def migrate():
    """Create or upgrade the database schema (safe to run again)."""
    applied = _migrate()
    click.echo(f"applied migrations: {applied}" if applied else "database is up to date")


@cli.command("load-demo")
def load_demo():
    """Load the deterministic demo data (demo mode only: WEBAPP_DEMO=1)."""
    from . import demo

    app = _app()
    if not app.config["DEMO"]:
        raise SystemExit("load-demo only runs in demo mode (WEBAPP_DEMO=1): it creates staff accounts whose "
                         "passwords are public. Production: `python -m webapp create-staff --role admin`.")
    with app.app_context():
        _migrate(app)
        from .db import database

        with database.connection_context():
            counts = demo.load(app.extensions["catalog"])
    click.echo("demo data: " + ", ".join(f"{n} {what}" for what, n in counts.items()))


@cli.command("create-staff")
@click.option("--username", prompt=True, help="Login name.")
@click.option("--role", type=click.Choice(["agent", "supervisor", "admin"]), default="admin", show_default=True)
@click.option("--agency", default=None, help="Agency code (for agents and supervisors).")
@click.password_option(help="At least 10 characters (asked twice when not given).")
def create_staff(username, role, agency, password):
    """Create a staff account (the first administrator, typically)."""
    from . import clock
    from .db import database
    from .problems import DomainError
    from .staffing import accounts

    app = _app()
    with app.app_context():
        _migrate(app)
        with database.connection_context():
            try:
                staff = accounts.create(username, password, role, agency, None, clock.now())
            except DomainError as exc:
                raise SystemExit(f"refused: {exc.code} (see the password and role rules in README.md)") from None
    click.echo(f"created {staff.role} {staff.username}" + (f" for agency {staff.agency}" if staff.agency else ""))


@cli.command()
@click.option("--days", default=90, show_default=True, type=click.IntRange(min=1),
              help="Anonymise appointments that took place more than this many days ago.")
def purge(days):
    """Delete personal data of old appointments (anonymous counts stay); expire keys."""
    from . import clock
    from .applications import review as applications
    from .booking.purge import purge as run

    app = _app()
    with app.app_context():
        _migrate(app)
        from .db import database

        with database.connection_context():
            counts = run(clock.now(), days)
            counts.update(applications.purge_due(clock.now()))  # after APPLICATION_KEEP_DAYS
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))


@cli.command("backup")
@click.argument("dest")
def backup_command(dest):
    """Copy the database to the file DEST while the app serves (restore it with `restore`)."""
    from .backup import backup

    backup(config.from_env()["DATABASE_URL"], dest)
    click.echo(f"backup written to {dest}")


@cli.command("restore")
@click.argument("source")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(source, yes):
    """Replace the database with the backup SOURCE (stop the app first)."""
    from .backup import restore

    url = config.from_env()["DATABASE_URL"]
    if not yes:
        click.confirm(f"Replace every table of {url.split('@')[-1]} with {source}?", abort=True)
    restore(url, source)
    _migrate()  # a backup of an older release is brought to this release's schema
    click.echo(f"restored from {source}")


@cli.command()
@click.option("--once", is_flag=True, help="Send what is due, then exit (for cron or tests).")
@click.option("--interval", default=2.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds between rounds.")
def worker(once, interval):
    """Send SMS and e-mails from the outbox, queue reminders, record delivery reports."""
    import logging

    from .notify.worker import run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = _app()
    _migrate(app)
    run(app, once=once, interval=interval)


@cli.command()
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="HOST or 127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", 8000)), type=int, show_default="PORT or 8000")
@click.option("--workers", type=int, show_default="2 x CPU + 1",
              default=lambda: int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1)))
def serve(host, port, workers):
    """Check the content, migrate the database, then serve with gunicorn."""
    _migrate(_app())  # fails here, once, with the content problems rather than in every worker
    # One line a request comes from the app itself (webapp/logs.py), with its request id.
    argv = ["gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers), "--preload",
            "webapp:create_app()"]
    os.execvp(sys.executable, [sys.executable, "-m", *argv])


def _app():
    from . import create_app
    from .catalog import ContentError

    try:
        return create_app()
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise SystemExit(f"the content has {len(exc.problems)} problem(s); nothing was started") from None


def _migrate(app=None):
    """Upgrade the schema, then open every agency of the content that has no settings yet."""
    from . import clock
    from .db import database
    from .migrations import migrate as run
    from .staffing import settings

    app = app or _app()
    with app.app_context():
        with database.connection_context():
            applied = run(database)
            opened = settings.open_agencies(app.extensions["catalog"], clock.now())
    if opened:
        click.echo(f"agencies opened for booking with the default settings: {', '.join(opened)}", err=True)
    return applied


if __name__ == "__main__":
    cli()
