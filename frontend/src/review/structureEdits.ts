/**
 * Edits of whole structures, each one undoable step: undo and redo themselves, interpolation
 * between slices and the CTV and PTV margins the server computes, and the disc the test hook
 * paints. Brush strokes are Cornerstone's own (see ./editTracking).
 */
import { utilities as csUtilities } from '@cornerstonejs/core';
import { api } from './api';
import { messageOf } from './exportPanel';
import type { StructureLayers } from './layers';
import type { StructureSelection } from './structureSelection';

const memo = csUtilities.HistoryMemo.DefaultHistoryMemo;

export interface EditContext {
  setId: number;
  /** The labelmap grid: [slices, rows, columns]. */
  shape: [number, number, number];
  layers: StructureLayers;
  selection: StructureSelection;
  /** Whether this reviewer may edit what is on screen. */
  mayEdit(): boolean;
  /** Whether the AI revision is on screen instead of the working one. */
  showingAI(): boolean;
  markDirty(): void;
  say(text: string, isError?: boolean): void;
}

export class StructureEdits {
  constructor(private readonly context: EditContext) {}

  undo(): void {
    if (this.context.showingAI() || !memo.canUndo) return;
    memo.undo();
    this.context.markDirty();
  }

  redo(): void {
    if (this.context.showingAI() || !memo.canRedo) return;
    memo.redo();
    this.context.markDirty();
  }

  async interpolate(): Promise<void> {
    const { layers, selection } = this.context;
    if (!this.context.mayEdit()) return;
    const name = selection.activeName;
    this.say(`Interpolating ${name} between slices…`);
    try {
      const answer = await api.interpolate(this.context.setId, {
        reference_series_uid: layers.referenceSeriesUID,
        runs: layers.toRuns(layers.read(name)),
      });
      this.replace({ [name]: layers.fromRuns(answer.runs) });
      selection.decide(name, 'edited');
      selection.refreshAll();
      this.say(`${name} interpolated between slices.`);
    } catch (error) {
      this.say(messageOf(error), true);
    }
  }

  async recomputeMargins(): Promise<void> {
    const { layers, selection } = this.context;
    if (!this.context.mayEdit()) return;
    if (!layers.structures.has('GTV') || !layers.structures.has('Brain')) {
      this.say('CTV and PTV are computed from the GTV and the brain; this revision lacks one of them.', true);
      return;
    }
    this.say('Recomputing CTV and PTV from the GTV…');
    try {
      const answer = await api.margins(this.context.setId, {
        reference_series_uid: layers.referenceSeriesUID,
        gtv: layers.toRuns(layers.read('GTV')),
        brain: layers.toRuns(layers.read('Brain')),
      });
      layers.ensure('CTV', [255, 128, 0]);
      layers.ensure('PTV', [0, 160, 255]);
      this.replace({ CTV: layers.fromRuns(answer.CTV), PTV: layers.fromRuns(answer.PTV) });
      selection.decide('CTV', 'edited');
      selection.decide('PTV', 'edited');
      selection.refreshAll();
      this.say(`CTV (GTV + ${answer.ctv_margin_mm} mm, within the brain) and PTV (CTV + ${answer.ptv_margin_mm} mm) recomputed.`);
    } catch (error) {
      this.say(messageOf(error), true);
    }
  }

  /** Paints a disc of `radius` voxels into `name` on slice k of the reference grid (a test aid). */
  paintDisc(name: string, slice: number, row: number, column: number, radius: number): void {
    const data = this.context.layers.read(name);
    const size = this.context.layers.sliceSize;
    const [, rows, columns] = this.context.shape;
    for (let r = row - radius; r <= row + radius; r += 1) {
      for (let c = column - radius; c <= column + radius; c += 1) {
        if ((r - row) ** 2 + (c - column) ** 2 <= radius ** 2 && r >= 0 && c >= 0 && c < columns && r < rows) {
          data[slice * size + r * columns + c] = 1;
        }
      }
    }
    this.replace({ [name]: data });
  }

  private say(text: string, isError = false): void {
    this.context.say(text, isError);
  }

  /** Replaces whole structures as one undoable step. */
  private replace(masks: Record<string, Uint8Array>): void {
    const { layers, selection } = this.context;
    const changes = Object.entries(masks).map(([name, after]) => ({ name, before: layers.read(name), after }));
    for (const change of changes) layers.write(change.name, change.after);
    pushReplacement(layers, changes, () => selection.refreshAll());
    this.context.markDirty();
  }
}

/** An undo/redo step for a whole-structure replacement (interpolation, margins, revision swap). */
export function pushReplacement(
  layers: StructureLayers,
  changes: { name: string; before: Uint8Array; after: Uint8Array }[],
  onRestore: () => void,
): void {
  memo.push({
    id: `replace-${Date.now()}`,
    operationType: 'labelmap',
    restoreMemo: (undo?: boolean) => {
      for (const change of changes) layers.write(change.name, undo ? change.before : change.after);
      onRestore();
    },
  });
}
