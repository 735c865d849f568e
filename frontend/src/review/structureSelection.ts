/**
 * Which structure the tools edit, each structure's decision (accepted, edited or rejected), and
 * the structures table kept in step with both and with the voxels drawn.
 */
import { segmentation } from '@cornerstonejs/tools';
import { byId } from '../shared/dom';
import type { Decision, RevisionJson } from './api';
import type { StructureLayers } from './layers';
import { StructureTable, type StructureRow } from './structureTable';

export class StructureSelection {
  private active = 'GTV';
  private readonly decisions = new Map<string, Decision>();
  private readonly table: StructureTable;
  private readonly pendingRows = new Set<string>();

  constructor(
    private readonly layers: StructureLayers,
    private readonly viewportIds: () => string[],
    /** The reviewer changed a decision in the table. */
    onDecided: () => void,
  ) {
    this.table = new StructureTable(byId('structures', HTMLTableElement).tBodies[0]!, {
      onActive: (name) => this.setActive(name),
      onStyle: (name, style) => {
        this.layers.setStyle(name, style);
        this.refreshRow(name);
      },
      onDecision: (name, decision) => {
        this.decisions.set(name, decision);
        onDecided();
      },
    });
  }

  /** The structure the tools edit. */
  get activeName(): string {
    return this.active;
  }

  decisionOf(name: string): Decision {
    return this.decisions.get(name) ?? 'accepted';
  }

  decide(name: string, decision: Decision): void {
    this.decisions.set(name, decision);
  }

  /**
   * Takes the decisions of a revision just drawn: a structure it lacks is rejected. Then draws
   * the table afresh, and the tools edit the same structure where it is still there.
   */
  adopt(revision: RevisionJson): void {
    this.decisions.clear();
    for (const s of revision.structures) {
      this.decisions.set(s.name, s.decision === 'rejected' ? 'rejected' : 'accepted');
    }
    for (const name of this.layers.structures.keys()) {
      if (!this.decisions.has(name)) this.decisions.set(name, 'rejected');
    }
    if (!this.layers.structures.has(this.active)) this.active = [...this.layers.structures.keys()][0] ?? '';
    this.render();
    this.applyActive();
  }

  /** Draws the table afresh, a row per structure. */
  render(): void {
    this.table.render(
      [...this.layers.structures.keys()].map((name) => this.rowOf(name)),
      this.active,
    );
  }

  setActive(name: string): void {
    this.active = name;
    this.applyActive();
    this.refreshAll();
  }

  /** The n-th structure of the table becomes the one the tools edit. */
  select(index: number): void {
    const name = [...this.layers.structures.keys()][index];
    if (name) this.setActive(name);
  }

  /** Makes the edited structure the active segmentation of every view the tools work in. */
  applyActive(): void {
    const structure = this.layers.structures.get(this.active);
    if (!structure) return;
    for (const viewportId of this.viewportIds()) {
      segmentation.activeSegmentation.setActiveSegmentation(viewportId, structure.segmentationId);
    }
    segmentation.segmentIndex.setActiveSegmentIndex(structure.segmentationId, 1);
  }

  /** H and L: the edited structure's visibility, and its outline or fill. */
  toggleDisplay(what: 'visible' | 'fill'): void {
    const style = this.layers.style(this.active);
    if (!style) return;
    this.layers.setStyle(this.active, what === 'visible' ? { visible: !style.visible } : { fill: !style.fill });
    this.refreshAll();
  }

  refreshRow(name: string): void {
    if (this.layers.structures.has(name)) this.table.update(this.rowOf(name), this.active);
  }

  refreshAll(): void {
    for (const name of this.layers.structures.keys()) this.refreshRow(name);
  }

  /** Refreshes the row a little later: a brush stroke changes the voxels on every mouse move. */
  refreshSoon(name: string): void {
    if (this.pendingRows.size === 0) {
      window.setTimeout(() => {
        for (const pending of this.pendingRows) this.refreshRow(pending);
        this.pendingRows.clear();
      }, 150);
    }
    this.pendingRows.add(name);
  }

  private rowOf(name: string): StructureRow {
    const structure = this.layers.structures.get(name)!;
    return {
      name,
      color: structure.color,
      style: this.layers.style(name)!,
      decision: this.decisionOf(name),
      voxels: this.layers.count(name),
    };
  }
}
