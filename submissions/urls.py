from django.urls import path

from articles.urls import UnicodeSlugConverter  # noqa: F401  (registers the "uslug" converter)
from submissions import takedown_views, views

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
    # Copyright takedowns
    path("copyright/report/", takedown_views.report, name="copyright_report"),
    path("copyright/report/received/", takedown_views.report_received, name="copyright_report_received"),
    path("copyright/transparency/", takedown_views.transparency, name="copyright_transparency"),
    path("copyright/cases/", takedown_views.case_list, name="takedown_cases"),
    path("copyright/cases/<str:reference>/", takedown_views.case_detail, name="takedown_case"),
    path("copyright/cases/<str:reference>/messages/<int:pk>/original/", takedown_views.message_original,
         name="takedown_message_original"),
    path("copyright/cases/<str:reference>/messages/<int:pk>/attachments/<int:index>/",
         takedown_views.message_attachment, name="takedown_attachment"),
    path("my/counter-notices/<str:reference>/", takedown_views.counter_notice, name="counter_notice"),
]
