from django.urls import path

from assist_web.inference import pages

app_name = "inference"
urlpatterns = [
    path(
        "studies/<uid:study_uid>/sequences/",
        pages.study_sequences,
        name="study-sequences",
    ),
]
