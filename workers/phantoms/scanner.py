"""Per-site scanner "looks", so that federated sites do not see identically distributed images.

A site differs in vendor and field strength (protocol names, timings), in how its
reconstruction scales intensities, in tissue contrast, in noise, and in the receive coil's
smooth intensity bias.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from workers.phantoms.sequences import Protocols, ge_3t, philips_15t, siemens_3t

Float32Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class ScannerProfile:
    name: str
    institution: str
    manufacturer: str
    model: str
    field_strength: float  # tesla
    software_versions: str
    station_name: str
    protocols: Protocols
    contrast_agent: str
    gain: float  # stored pixel value of white matter on T1
    contrast_gamma: float  # > 1 stretches tissue contrast around white matter, < 1 flattens it
    noise: float  # Rician sigma as a fraction of the white matter signal
    bias: float  # standard deviation of the log bias field
    bias_wavelength: tuple[float, float]  # mm; shorter for many-element head coils


PROFILES: dict[str, ScannerProfile] = {
    profile.name: profile
    for profile in (
        ScannerProfile(
            name="default", institution="ASSIST Demo Hospital", manufacturer="SIEMENS",
            model="MAGNETOM Skyra", field_strength=3.0, software_versions="syngo MR E11",
            station_name="DEMOMR1", protocols=siemens_3t(t1c_description="T1 AX +C"),
            contrast_agent="GADOBUTROL", gain=1000.0, contrast_gamma=1.0, noise=0.03,
            bias=0.08, bias_wavelength=(400.0, 700.0),
        ),
        ScannerProfile(
            name="lund", institution="Skånes universitetssjukhus Lund", manufacturer="SIEMENS",
            model="MAGNETOM Prisma", field_strength=3.0, software_versions="syngo MR XA30",
            station_name="LUNDMR3", protocols=siemens_3t(), contrast_agent="GADOBUTROL",
            gain=1400.0, contrast_gamma=1.1, noise=0.02, bias=0.12,
            bias_wavelength=(250.0, 450.0),
        ),
        ScannerProfile(
            name="umea", institution="Norrlands universitetssjukhus",
            manufacturer="GE MEDICAL SYSTEMS", model="SIGNA Premier",
            software_versions="RX29.1", station_name="NUSMR2", protocols=ge_3t(),
            field_strength=3.0, contrast_agent="GADOTERATE", gain=2600.0, contrast_gamma=0.95,
            noise=0.035, bias=0.18, bias_wavelength=(300.0, 500.0),
        ),
        ScannerProfile(
            name="linkoping", institution="Universitetssjukhuset i Linköping",
            manufacturer="Philips Medical Systems", model="Ingenia", field_strength=1.5,
            software_versions="5.7.1", station_name="LIMR15", protocols=philips_15t(),
            contrast_agent="GADOBUTROL", gain=700.0, contrast_gamma=0.85, noise=0.06,
            bias=0.2, bias_wavelength=(350.0, 600.0),
        ),
    )
}


def scanner_profile(name: str) -> ScannerProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown site {name!r}; known: {', '.join(PROFILES)}") from None


def scanner_apply(
    clean: Float32Array,
    *,
    profile: ScannerProfile,
    white: float,
    bias: Float32Array,
    rng: np.random.Generator,
) -> npt.NDArray[np.uint16]:
    """Stored pixels from a noise-free image whose white matter has signal ``white``.

    ``bias`` is the coil's multiplicative field at the same voxels. Noise is Rician, the
    magnitude of complex Gaussian noise, so air shows the Rayleigh floor real scans have.
    """
    relative = np.maximum(clean, 0) / white
    image = white * profile.gain * relative**profile.contrast_gamma * bias
    sigma = profile.noise * white * profile.gain
    real = image + rng.standard_normal(image.shape, dtype=np.float32) * sigma
    imaginary = rng.standard_normal(image.shape, dtype=np.float32) * sigma
    magnitude = np.sqrt(real * real + imaginary * imaginary)
    return np.clip(np.rint(magnitude), 0, np.iinfo(np.uint16).max).astype("<u2")
