"""What goes into a bundle's configs: the network, preprocessing and inferer, and metadata.

One source for training and inference: ``train`` writes these dicts into the bundle and then
instantiates the *written* ``inference.json`` for its own preprocessing, so a bundle cannot
disagree with the way its weights were trained.
"""

from typing import Any

# Input channels, in order, and the site's names for the sequences that feed them.
CHANNELS = ("T1", "T1c", "T2", "FLAIR")
# Output channels: independent sigmoids (BraTS-style nested regions) plus the brain, so each
# clinical structure is one channel: GTV = tumour core, Edema = whole tumour.
OUTPUTS = ("TC", "WT", "ET", "Brain")
OUTPUT_MEANING = {
    "TC": "tumour core: necrotic core + enhancing tumour (BraTS labels 1, 3) -> GTV",
    "WT": "whole tumour: core + oedema (BraTS labels 1, 2, 3) -> Edema",
    "ET": "enhancing tumour (BraTS label 3), informational",
    "Brain": "intracranial contents: CSF, grey and white matter, lesion -> Brain",
}
# The clinical protocol's T1c spacing (slice, row, column) in mm: the network sees the
# post-contrast series at the resolution physicians contour on (a 4 mm grid was coarse beside
# a 3 mm PTV margin, and left reading and writing the DICOM objects most of a study's time).
SPACING_MM = (1.5, 1.0, 1.0)
# 72 x 96 x 96 mm: a lesion's enhancing rim with its core; divisible by 8 for three poolings;
# also the training patch size.
ROI_SIZE = (48, 96, 96)

CHANGELOG = {
    "0.2.0": "the network sees a 1.5 x 1 x 1 mm grid (the clinical T1c's) instead of "
             "4 x 2.4 x 2.4 mm; trained on clinical and small phantom studies in turn",
    "0.1.0": "trained on synthetic phantom studies (workers.phantoms)",
}


def inference_config(*, spacing_mm: tuple[float, float, float] = SPACING_MM,
                     roi_size: tuple[int, int, int] = ROI_SIZE) -> dict[str, Any]:
    return {
        "channels": list(CHANNELS),
        "outputs": list(OUTPUTS),
        # Spacing of the grid the network sees, as (slice, row, column) of the T1c series.
        "spacing_mm": list(spacing_mm),
        "network_def": {
            "_target_": "UNet",
            "spatial_dims": 3,
            "in_channels": len(CHANNELS),
            "out_channels": len(OUTPUTS),
            "channels": [16, 32, 64, 128],
            "strides": [2, 2, 2],
            "num_res_units": 1,
            "norm": "INSTANCE",
        },
        # Percentiles rather than z-scores: the share of air in the field of view differs
        # between protocols, and air would drag a mean and standard deviation with it.
        "preprocessing": {
            "_target_": "Compose",
            "transforms": [
                {"_target_": "ScaleIntensityRangePercentiles", "lower": 0.5, "upper": 99.5,
                 "b_min": 0.0, "b_max": 1.0, "clip": False, "channel_wise": True},
            ],
        },
        "inferer": {
            "_target_": "SlidingWindowInferer",
            "roi_size": list(roi_size),
            "sw_batch_size": 4,
            "overlap": 0.5,
            "mode": "gaussian",
        },
        "postprocessing": {"_target_": "Activations", "sigmoid": True},
        "threshold": 0.5,
    }


def metadata(*, version: str, training: dict[str, Any],
             spacing_mm: tuple[float, float, float] = SPACING_MM) -> dict[str, Any]:
    return {
        "schema": "https://github.com/Project-MONAI/MONAI-extra-test-data/releases/download/"
                  "0.8.1/meta_schema_20220324.json",
        "name": "assist-brain-tumour-demo",
        "version": version,
        "changelog": {version: CHANGELOG.get(version, "retrained on phantom studies")}
        | {v: text for v, text in CHANGELOG.items() if v != version},
        "monai_version": training.get("monai_version", ""),
        "pytorch_version": training.get("pytorch_version", ""),
        "task": "Brain tumour segmentation for radiotherapy target definition",
        "description": "A small 3D UNet trained on ASSIST phantoms; a demo, not a clinical "
                       "model.",
        "authors": "ASSIST",
        "required_sequences": list(CHANNELS),
        "labels": {"0": "background", "1": "necrotic core", "2": "oedema",
                   "3": "enhancing tumour"},
        "outputs": OUTPUT_MEANING,
        "preprocessing": {
            "grid": "all sequences resampled onto the T1c grid through patient coordinates, "
                    "then onto spacing_mm in the T1c orientation",
            "spacing_mm": list(spacing_mm),
            "intensity": "per channel: 0.5th..99.5th percentile -> 0..1",
        },
        "weights": "models/model.pt: a state_dict stored as float16 (half the size); loaded "
                   "into float32 parameters",
        "training": training,
        "network_data_format": {
            "inputs": {"image": {
                "type": "image", "format": "magnitude", "modality": "MR",
                "num_channels": len(CHANNELS), "spatial_shape": ["8*n", "8*n", "8*n"],
                "dtype": "float32", "value_range": [0, 1], "is_patch_data": True,
                "channel_def": {str(i): name for i, name in enumerate(CHANNELS)},
            }},
            "outputs": {"pred": {
                "type": "image", "format": "segmentation", "num_channels": len(OUTPUTS),
                "spatial_shape": ["8*n", "8*n", "8*n"], "dtype": "float32",
                "value_range": [0, 1], "is_patch_data": True,
                "channel_def": {str(i): name for i, name in enumerate(OUTPUTS)},
            }},
        },
    }
