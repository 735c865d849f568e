"""DICOMweb views: each parses the request, calls one service, and writes the DICOM response."""
