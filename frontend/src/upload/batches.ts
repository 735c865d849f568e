import type { PickedFile } from './collect';

// Small enough that one failed request costs little and progress moves often; large enough
// that a 300-slice series is a handful of requests. A single bigger file goes alone.
export const MAX_FILES_PER_BATCH = 20;
export const MAX_BYTES_PER_BATCH = 50 * 1024 * 1024;

export interface Batch {
  files: PickedFile[];
  bytes: number;
}

export function splitIntoBatches(files: PickedFile[]): Batch[] {
  const batches: Batch[] = [];
  let current: Batch = { files: [], bytes: 0 };
  for (const picked of files) {
    const size = picked.file.size;
    const full =
      current.files.length >= MAX_FILES_PER_BATCH ||
      (current.files.length > 0 && current.bytes + size > MAX_BYTES_PER_BATCH);
    if (full) {
      batches.push(current);
      current = { files: [], bytes: 0 };
    }
    current.files.push(picked);
    current.bytes += size;
  }
  if (current.files.length > 0) batches.push(current);
  return batches;
}
