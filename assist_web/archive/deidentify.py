"""De-identification on ingest: PS3.15 Annex E basic profile, done by dicognito.

dicognito replaces identifying attributes, remaps every UID through a keyed hash (so the
references between a study's objects still resolve, and a resent object maps to the same
UIDs), and shifts dates by an offset derived from the patient. The key is the site's
SECRET_KEY, so mappings are stable for the life of a site and cannot be recomputed elsewhere.
"""

import hashlib
import io

from dicognito.anonymizer import Anonymizer
from django.conf import settings
from pydicom.dataset import Dataset


def _site_seed() -> str:
    return hashlib.sha256(f"assist-deid:{settings.SECRET_KEY}".encode()).hexdigest()


def dataset_deidentify(ds: Dataset) -> bytes:
    """De-identify ``ds`` in place and return it as a Part 10 file."""
    Anonymizer(seed=_site_seed()).anonymize(ds)
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "PS3.15 Annex E Basic Application Confidentiality Profile"
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()
