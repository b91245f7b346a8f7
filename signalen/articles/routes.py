from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from signalen.articles import access, services
from signalen.articles.forms import ArticleForm
from signalen.articles.models import Article
from signalen.core.errors import ServiceError
from signalen.core.forms import show_service_error
from signalen.core.pagination import paginate
from signalen.extensions import db

bp = Blueprint("articles", __name__, url_prefix="/artikelen")


def _readable_or_404(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None or not access.can_view(current_user, article):
        abort(404)
    return article


@bp.get("/")
def index():
    page = paginate(access.visible_articles(current_user), per_page=30)
    return render_template(
        "articles/index.html", page=page, can_author=access.can_author(current_user)
    )


@bp.get("/<int:article_id>")
def detail(article_id: int):
    article = _readable_or_404(article_id)
    return render_template(
        "articles/detail.html",
        article=article,
        body=services.render_markdown(article.body),
        can_edit=access.can_edit(current_user, article),
    )


def _edit(article: Article | None):
    form = ArticleForm(obj=article) if article and request.method == "GET" else ArticleForm()
    form.fill_choices()
    if article is not None and request.method == "GET":
        form.themes.data = [t.id for t in article.themes]
        form.visibility.data = article.visibility.value
    if form.validate_on_submit():
        try:
            saved = services.save_article(form.to_input(), current_user, article)
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            flash(_("Het artikel is opgeslagen."), "success")
            names = services.name_warnings(saved.title, saved.body)
            if names:
                flash(
                    _(
                        "Let op: er staan namen van mensen in het artikel (%(names)s). "
                        "Noem alleen mensen die publiek bekend zijn.",
                        names=", ".join(names),
                    ),
                    "error",
                )
            return redirect(url_for("articles.detail", article_id=saved.id))
    return render_template("articles/edit.html", form=form, article=article), (
        200 if request.method == "GET" else 422
    )


@bp.route("/nieuw", methods=["GET", "POST"])
@login_required
def new():
    if not access.can_author(current_user):
        abort(403)
    return _edit(None)


@bp.route("/<int:article_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(article_id: int):
    article = _readable_or_404(article_id)
    if not access.can_edit(current_user, article):
        abort(403)
    return _edit(article)
