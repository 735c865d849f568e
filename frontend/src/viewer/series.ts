/**
 * From WADO-RS series metadata to Cornerstone image IDs: one "wadors:" ID per frame, each
 * registered with the image loader's metadata manager so that no header is fetched twice.
 */
import { wadors } from '@cornerstonejs/dicom-image-loader';
import type { Types as LoaderTypes } from '@cornerstonejs/dicom-image-loader';
import { numberValue, numberValues, stringValue, Tag, type DicomJsonObject } from './dicomJson';
import type { DicomWebClient } from './dicomweb';

export function registerSeries(
  client: DicomWebClient,
  studyUID: string,
  seriesUID: string,
  instances: DicomJsonObject[],
): string[] {
  const imageIds: string[] = [];
  for (const instance of sortInstances(instances)) {
    const sopUID = stringValue(instance, Tag.SOPInstanceUID);
    const frames = numberValue(instance, Tag.NumberOfFrames) ?? 1;
    for (let frame = 1; frame <= frames; frame += 1) {
      const imageId = `wadors:${client.frameUrl(studyUID, seriesUID, sopUID, frame)}`;
      // The loader reads DICOM JSON elements ({vr, Value}); its declared type is narrower.
      wadors.metaDataManager.add(imageId, instance as unknown as LoaderTypes.WADORSMetaData);
      imageIds.push(imageId);
    }
  }
  return imageIds;
}

/**
 * Slices in spatial order along the slice normal when every instance has a position and the
 * same orientation; otherwise by Instance Number, which is what the scanner wrote.
 */
export function sortInstances(instances: DicomJsonObject[]): DicomJsonObject[] {
  const orientation = numberValues(instances[0] ?? {}, Tag.ImageOrientationPatient);
  const byNumber = (a: DicomJsonObject, b: DicomJsonObject): number =>
    (numberValue(a, Tag.InstanceNumber) ?? 0) - (numberValue(b, Tag.InstanceNumber) ?? 0);
  const spatial =
    orientation.length === 6 &&
    instances.every(
      (instance) =>
        numberValues(instance, Tag.ImagePositionPatient).length === 3 &&
        sameOrientation(numberValues(instance, Tag.ImageOrientationPatient), orientation),
    );
  if (!spatial) return [...instances].sort(byNumber);
  const normal = cross(orientation.slice(0, 3), orientation.slice(3, 6));
  const depth = (instance: DicomJsonObject): number =>
    dot(numberValues(instance, Tag.ImagePositionPatient), normal);
  return [...instances].sort((a, b) => depth(a) - depth(b) || byNumber(a, b));
}

/**
 * Whether the instances make a regular volume Cornerstone can reformat: two or more
 * single-frame slices of one size and orientation at distinct positions along the normal.
 */
export function isVolume(instances: DicomJsonObject[]): boolean {
  if (instances.length < 2) return false;
  const first = instances[0]!;
  const orientation = numberValues(first, Tag.ImageOrientationPatient);
  if (orientation.length !== 6) return false;
  const rows = numberValue(first, Tag.Rows);
  const columns = numberValue(first, Tag.Columns);
  const normal = cross(orientation.slice(0, 3), orientation.slice(3, 6));
  const depths = new Set<string>();
  for (const instance of instances) {
    if ((numberValue(instance, Tag.NumberOfFrames) ?? 1) !== 1) return false;
    if (numberValue(instance, Tag.Rows) !== rows || numberValue(instance, Tag.Columns) !== columns) return false;
    if (!sameOrientation(numberValues(instance, Tag.ImageOrientationPatient), orientation)) return false;
    const position = numberValues(instance, Tag.ImagePositionPatient);
    if (position.length !== 3) return false;
    depths.add(dot(position, normal).toFixed(3));
  }
  return depths.size === instances.length;
}

function sameOrientation(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((value, i) => Math.abs(value - (b[i] ?? NaN)) < 1e-4);
}

function cross(a: number[], b: number[]): number[] {
  const [a0 = 0, a1 = 0, a2 = 0] = a;
  const [b0 = 0, b1 = 0, b2 = 0] = b;
  return [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0];
}

function dot(a: number[], b: number[]): number {
  return a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);
}
