from django.urls import path

from submissions.takedowns import views

# The paths are the public contract (docs/ARCHITECTURE.md): unchanged by the move out of submissions.
app_name = "takedowns"
urlpatterns = [
    path("copyright/report/", views.report, name="report"),
    path("copyright/report/received/", views.report_received, name="report_received"),
    path("copyright/transparency/", views.transparency, name="transparency"),
    path("copyright/cases/", views.case_list, name="cases"),
    path("copyright/cases/<str:reference>/", views.case_detail, name="case"),
    path("copyright/cases/<str:reference>/messages/<int:pk>/original/", views.message_original,
         name="message_original"),
    path("copyright/cases/<str:reference>/messages/<int:pk>/attachments/<int:index>/",
         views.message_attachment, name="attachment"),
    path("my/counter-notices/<str:reference>/", views.counter_notice, name="counter_notice"),
]
