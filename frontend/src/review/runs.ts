/**
 * The "runs" mask encoding of the review API: alternating run lengths of 0s and 1s over the
 * mask flattened in C order (slice, row, column), always starting with a run of 0s (which may
 * be 0 long). workers/structures/runs.py is the server's side of the same format.
 */

export class RunsError extends Error {
  override name = 'RunsError';
}

/** Runs of a mask: every non-zero element counts as inside. */
export function maskToRuns(mask: ArrayLike<number>): number[] {
  const runs: number[] = [];
  let inside = false;
  let length = 0;
  for (let i = 0; i < mask.length; i += 1) {
    const here = mask[i] !== 0;
    if (here !== inside) {
      runs.push(length);
      inside = here;
      length = 0;
    }
    length += 1;
  }
  runs.push(length);
  return runs;
}

/** Writes `value` where the runs say inside and 0 elsewhere; the target is `total` long. */
export function runsToMask(runs: readonly number[], total: number, value = 1): Uint8Array {
  const mask = new Uint8Array(total);
  runsInto(runs, total, (start, end) => mask.fill(value, start, end));
  return mask;
}

/** Calls `inside(start, end)` for each run of 1s; checks that the runs cover exactly `total`. */
export function runsInto(
  runs: readonly number[],
  total: number,
  inside: (start: number, end: number) => void,
): void {
  let position = 0;
  for (let i = 0; i < runs.length; i += 1) {
    const length = runs[i] ?? -1;
    if (!Number.isInteger(length) || length < 0) {
      throw new RunsError(`Run ${i} is not a non-negative whole number.`);
    }
    if (i % 2 === 1 && length > 0) inside(position, Math.min(position + length, total));
    position += length;
  }
  if (position !== total) {
    throw new RunsError(`The runs cover ${position} voxels; the grid has ${total}.`);
  }
}

/** Number of voxels inside, without decoding. */
export function runsCount(runs: readonly number[]): number {
  let count = 0;
  for (let i = 1; i < runs.length; i += 2) count += runs[i] ?? 0;
  return count;
}
