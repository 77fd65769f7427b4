from __future__ import annotations

from django.urls import path

from records import views

app_name = "records"

urlpatterns = [
    path("exports/", views.exports, name="exports"),
    path("exports/<int:pk>/download/", views.export_download, name="download"),
]
