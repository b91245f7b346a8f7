"""The start page, and the menu of every page."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from signalen.home import navigation

bp = Blueprint("home", __name__)


@bp.app_context_processor
def menu_globals():
    """``site_menu()`` in every template: the current user's menu, current page marked."""
    return {"site_menu": lambda: navigation.menu(current_user, request.endpoint)}


@bp.get("/")
def index():
    return render_template("home/index.html", cards=navigation.cards(current_user))
