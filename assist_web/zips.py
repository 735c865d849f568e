"""What Python's ``zipfile`` raises on a damaged archive, for the places that open zips people
send (browser uploads, model bundles): its own BadZipFile where it checks, and otherwise
whatever the damaged bytes trip (a deflate stream, a header field, an unknown version)."""

import struct
import zipfile
import zlib

DAMAGED_ZIP: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    struct.error,
    zlib.error,
)
