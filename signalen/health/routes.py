from flask import Blueprint, jsonify

from signalen.extensions import limiter
from signalen.health import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    report, healthy = services.health()
    response = jsonify(report)
    response.status_code = 200 if healthy else 503
    return response
