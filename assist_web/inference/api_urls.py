from django.urls import path

from assist_web.inference import apis

app_name = "inference-api"
urlpatterns = [
    path("jobs/<int:job_id>/", apis.JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<int:job_id>/claim/", apis.JobClaimApi.as_view(), name="job-claim"),
    path("jobs/<int:job_id>/progress/", apis.JobProgressApi.as_view(), name="job-progress"),
    path("jobs/<int:job_id>/complete/", apis.JobCompleteApi.as_view(), name="job-complete"),
    path("jobs/<int:job_id>/fail/", apis.JobFailApi.as_view(), name="job-fail"),
    path("models/<int:model_id>/bundle/", apis.ModelBundleApi.as_view(), name="model-bundle"),
    path("studies/<uid:study_uid>/jobs/", apis.StudyJobsApi.as_view(), name="study-jobs"),
    path(
        "studies/<uid:study_uid>/sequences/",
        apis.StudySequencesApi.as_view(),
        name="study-sequences",
    ),
]
