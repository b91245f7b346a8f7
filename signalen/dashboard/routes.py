from flask import Blueprint, render_template
from flask_login import current_user

from signalen.dashboard import services

bp = Blueprint("dashboard", __name__)


@bp.get("/overzicht")
def overview():
    return render_template(
        "dashboard/overview.html",
        data=services.overview(current_user),
        bar_width=services.BAR_WIDTH,
    )
