from flask import Blueprint, flash, render_template, request
from flask_login import current_user

from signalen.dashboard import services

bp = Blueprint("dashboard", __name__)


@bp.get("/overzicht")
def overview():
    filters = services.OverviewFilters.from_args(request.args)
    for message in filters.errors:
        flash(message, "error")
    return render_template(
        "dashboard/overview.html",
        data=services.overview(current_user, filters),
        filters=filters,
        municipalities=services.municipalities_with_signals(current_user),
        bar_width=services.BAR_WIDTH,
    )
