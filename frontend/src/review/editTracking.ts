/**
 * Which changes of the structures' voxels are the reviewer's edits. Cornerstone reports every
 * change alike, a brush stroke, an undo or the page's own writes (a revision drawn, the AI
 * revision swapped in); only a change made while a button pressed with an editing tool is held,
 * and not by the page itself, counts as an edit.
 */
import { eventTarget } from '@cornerstonejs/core';
import { Enums as ToolEnums } from '@cornerstonejs/tools';
import type { StructureLayers } from './layers';

export interface EditTrackingEvents {
  /** Whether a button pressed on a view now starts an edit (an editing tool, and edits allowed). */
  editingToolChosen(): boolean;
  /** The reviewer changed the structure's voxels. */
  onEdited(name: string): void;
  /** The structure's voxels changed, whoever changed them (after onEdited where it was an edit). */
  onChanged(name: string): void;
  /** A mouse button went up: a stroke's undo step is recorded by now. */
  onStrokeEnd(): void;
}

export class EditTracking {
  private writing = false; // our own writes are not the user's edits
  /** Set when the user presses a mouse button with an editing tool on a view. */
  private userEditing = false;

  constructor(
    private readonly layers: StructureLayers,
    private readonly events: EditTrackingEvents,
  ) {}

  listen(): void {
    eventTarget.addEventListener(ToolEnums.Events.SEGMENTATION_DATA_MODIFIED, (event: Event) => {
      const id = (event as CustomEvent<{ segmentationId: string }>).detail.segmentationId;
      const structure = [...this.layers.structures.values()].find((s) => s.segmentationId === id);
      if (!structure) return;
      if (this.userEditing && !this.writing) this.events.onEdited(structure.name);
      this.events.onChanged(structure.name);
    });
    document.querySelector('.panes')?.addEventListener(
      'pointerdown',
      () => (this.userEditing = this.events.editingToolChosen()),
      { capture: true },
    );
    // A stroke's undo step is recorded when the button goes up.
    document.addEventListener('pointerup', () => window.setTimeout(() => this.events.onStrokeEnd(), 0), { capture: true });
  }

  /** Runs the page's own writes to the structures: whatever they change is not an edit. */
  quietly(write: () => void): void {
    this.writing = true;
    try {
      write();
    } finally {
      this.writing = false;
    }
  }
}
