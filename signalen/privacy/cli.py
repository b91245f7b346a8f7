"""x"""
import click

@click.command("privacy-sweep")
def privacy_sweep():
    pass
