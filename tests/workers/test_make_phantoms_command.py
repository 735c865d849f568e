"""``manage.py make_phantoms`` writes the documented layout."""

import io
import json
from pathlib import Path

from django.core.management import call_command

from workers.phantoms import Sequence


def test_writes_count_studies_from_the_first_seed(tmp_path: Path) -> None:
    target = tmp_path / "phantoms-out"
    out = io.StringIO()
    call_command("make_phantoms", "--out", str(target), "--count", "2", "--seed", "5",
                 "--site", "umea", "--grid", "small", stdout=out)
    cases = sorted(p.name for p in target.iterdir())
    assert cases == ["umea-small-0005", "umea-small-0006"]
    for case in cases:
        folder = target / case
        assert sorted(p.name for p in (folder / "dicom").iterdir()) == sorted(
            s.value for s in Sequence
        )
        assert (folder / "labels.nii.gz").is_file()
        record = json.loads((folder / "case.json").read_text())
        assert record["site"] == "umea" and record["grid"] == "small"
        assert record["labels"] == {"0": "background", "1": "necrotic core", "2": "oedema",
                                    "3": "enhancing tumour"}
        assert set(record["series"]) == {s.value for s in Sequence}
    assert out.getvalue().count("umea-small-000") == 2


def test_writes_under_the_data_dir_by_default(data_dir: Path) -> None:
    call_command("make_phantoms", "--count", "1", "--grid", "small", stdout=io.StringIO())
    assert (data_dir / "phantoms" / "default-small-0001" / "case.json").is_file()
