/** DICOM JSON (PS3.18 F.2) as QIDO-RS and WADO-RS metadata answer it, and typed readers. */

export interface DicomJsonElement {
  vr: string;
  Value?: unknown[];
  BulkDataURI?: string;
  InlineBinary?: string;
}

export type DicomJsonObject = Record<string, DicomJsonElement | undefined>;

export const Tag = {
  SOPInstanceUID: '00080018',
  Modality: '00080060',
  SeriesDescription: '0008103E',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  ImagePositionPatient: '00200032',
  ImageOrientationPatient: '00200037',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  Columns: '00280011',
  NumberOfSeriesRelatedInstances: '00201209',
} as const;

export function stringValue(object: DicomJsonObject, tag: string): string {
  const value = object[tag]?.Value?.[0];
  if (value === undefined || value === null) return '';
  // Person names arrive as {"Alphabetic": "..."}.
  if (typeof value === 'object' && 'Alphabetic' in value) {
    return String((value as { Alphabetic: unknown }).Alphabetic);
  }
  return String(value);
}

export function numberValue(object: DicomJsonObject, tag: string): number | undefined {
  return numberValues(object, tag)[0];
}

export function numberValues(object: DicomJsonObject, tag: string): number[] {
  const values = object[tag]?.Value ?? [];
  return values.map(Number).filter((n) => Number.isFinite(n));
}
