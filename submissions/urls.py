from django.urls import path

from articles.urls import UnicodeSlugConverter  # noqa: F401  (registers the "uslug" converter)
from submissions import views

app_name = "submissions"
urlpatterns = [
    path("submit/", views.submit, name="submit"),
    path("submit/confirm/<str:token>/", views.confirm_guest, name="confirm_guest"),
    path("my/submissions/", views.dashboard, name="dashboard"),
    path("my/submissions/access/<str:token>/", views.guest_access, name="guest_access"),
    path("my/submissions/<int:pk>/", views.detail, name="detail"),
    path("my/submissions/<int:pk>/edit/", views.edit, name="edit"),
    path("moderation/", views.queue, name="queue"),
    path("moderation/<int:pk>/", views.review, name="review"),
    path("moderation/flags/<int:pk>/resolve/", views.resolve_flag, name="resolve_flag"),
    path("flag/<uslug:slug>/", views.flag, name="flag"),
]
