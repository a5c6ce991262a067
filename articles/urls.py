from django.urls import path, register_converter

from articles import feeds, views


class UnicodeSlugConverter:
    """Slugs may be Korean (allow_unicode), which Django's `slug` converter refuses."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnicodeSlugConverter, "uslug")

app_name = "articles"
urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<uslug:slug>/", views.article_detail, name="detail"),
    path("preview/<int:pk>/", views.article_preview, name="preview"),
    path("preview/<str:token>/", views.article_shared_preview, name="shared_preview"),
    path("category/<slug:slug>/", views.category, name="category"),
    path("tag/<uslug:slug>/", views.tag, name="tag"),
    path("authors/<str:username>/", views.author, name="author"),
    path("search/", views.search, name="search"),
    path("feeds/latest/", feeds.LatestArticlesFeed(), name="feed"),
    path("pages/<slug:slug>/", views.page, name="page"),
    path("newsletter/", views.newsletter_subscribe, name="newsletter"),
    path("newsletter/confirm/<str:token>/", views.newsletter_confirm, name="newsletter_confirm"),
    path("newsletter/unsubscribe/<str:token>/", views.newsletter_unsubscribe, name="newsletter_unsubscribe"),
]
