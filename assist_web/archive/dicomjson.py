"""DICOM JSON (PS3.18 F.2) for one instance, with bulk data as BulkDataURI."""

import json

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

# Stored in the index instead of the site's URL, which depends on how a client reaches it;
# replaced by the request's own base URL when metadata is served.
BASE_PLACEHOLDER = "@@DICOMWEB_BASE@@"
# Values above this size go out as BulkDataURI; 1 KiB matches common servers and keeps the
# per-series metadata small for viewers.
BULK_DATA_THRESHOLD = 1024


def instance_json(ds: Dataset, *, transfer_syntax_uid: str) -> str:
    prefix = (
        f"{BASE_PLACEHOLDER}/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}"
        f"/instances/{ds.SOPInstanceUID}/bulkdata/"
    )

    def bulk_uri(element: DataElement) -> str:
        return f"{prefix}{element.tag:08X}"

    body = ds.to_json_dict(
        bulk_data_threshold=BULK_DATA_THRESHOLD, bulk_data_element_handler=bulk_uri
    )
    body["00020010"] = {"vr": "UI", "Value": [transfer_syntax_uid]}
    return json.dumps(body, separators=(",", ":"), sort_keys=True)


def series_metadata(instance_texts: list[str], *, base_url: str) -> str:
    return ("[" + ",".join(instance_texts) + "]").replace(BASE_PLACEHOLDER, base_url)
