/**
 * The API's slice order against the volume's. The API orders a labelmap's slices as its
 * `instances` (SOP Instance UIDs); the reference volume orders them by position. Checks that a
 * labelmap was drawn on the volume's grid, and maps runs between the two orders by UID.
 */
import type { Types } from '@cornerstonejs/core';
import type { LabelmapJson } from './api';
import { maskToRuns, runsToMask } from './runs';

export class GridMismatch extends Error {
  override name = 'GridMismatch';
}

/** Checks the labelmap's grid against the volume; volume slice k holds the API's slice order[k]. */
export function sliceOrderOf(reference: Types.IImageVolume, labelmap: LabelmapJson): number[] {
  const [columns, rows, slices] = reference.dimensions;
  const [shapeSlices, shapeRows, shapeColumns] = labelmap.shape;
  if (shapeRows !== rows || shapeColumns !== columns || shapeSlices !== slices) {
    throw new GridMismatch(
      `The structures were drawn on a ${shapeSlices}×${shapeRows}×${shapeColumns} grid; ` +
        `the series has ${slices}×${rows}×${columns}.`,
    );
  }
  const position = new Map(labelmap.instances.map((uid, i) => [uid, i]));
  return reference.imageIds.map((imageId) => {
    const found = position.get(sopOf(imageId));
    if (found === undefined) throw new GridMismatch('A slice of the series is not in the structures.');
    return found;
  });
}

/** API runs (instances order) to voxels in volume order. */
export function runsToVolume(runs: readonly number[], order: readonly number[], sliceSize: number, voxelCount: number): Uint8Array {
  const server = runsToMask(runs, voxelCount);
  const volume = new Uint8Array(voxelCount);
  order.forEach((serverSlice, k) => {
    volume.set(server.subarray(serverSlice * sliceSize, (serverSlice + 1) * sliceSize), k * sliceSize);
  });
  return volume;
}

/** Voxels in volume order to API runs (instances order). */
export function volumeToRuns(data: Uint8Array, order: readonly number[], sliceSize: number, voxelCount: number): number[] {
  const server = new Uint8Array(voxelCount);
  order.forEach((serverSlice, k) => {
    server.set(data.subarray(k * sliceSize, (k + 1) * sliceSize), serverSlice * sliceSize);
  });
  return maskToRuns(server);
}

/** The SOP Instance UID in a wadors: image ID (…/instances/<uid>/frames/<n>). */
export function sopOf(imageId: string): string {
  const match = /\/instances\/([^/]+)\/frames\//.exec(imageId);
  return match?.[1] ?? '';
}
