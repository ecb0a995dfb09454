"""Operator commands for mentions: `flask mentions classify`."""
import click
from flask.cli import AppGroup

from tenants.monitoring.language.detect import detect_language
from tenants.monitoring.language.sentiment import score_sentiment

mentions_cli = AppGroup("mentions", help="Work with monitored mentions.")


@mentions_cli.command("classify")
@click.argument("posts", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--ignore", multiple=True, metavar="TERM",
              help="A brand name to leave out of the scoring (repeatable).")
def classify(posts, ignore):
    """Read one post a line (standard input by default); write language, label, score per line."""
    for line in posts:
        text = line.rstrip("\r\n")
        language = detect_language(text)
        sentiment = score_sentiment(text, language, ignore=ignore)
        # One output line per input line, blank lines included, so outputs can be pasted beside inputs.
        click.echo(f"{language}\t{sentiment.label}\t{sentiment.score:.3f}")
