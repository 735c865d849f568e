/**
 * Which revision's structures are drawn: the revision under review at the start, and the AI
 * revision's on the AI/current toggle, read-only, in place of the working ones, which are kept
 * aside (unsaved edits included) and put back when the reviewer returns. The page's own writes
 * are not the reviewer's edits.
 */
import { api, type LabelmapJson } from './api';
import type { EditTracking } from './editTracking';
import type { StructureLayers } from './layers';

export class ShownRevision {
  private showingAI = false;
  private aiLabelmap: LabelmapJson | null = null; // fetched once
  private working: Map<string, Uint8Array> | null = null;

  constructor(
    private readonly layers: StructureLayers,
    private readonly tracking: EditTracking,
  ) {}

  /** Whether the AI revision is on screen (and nothing may be edited). */
  get aiShown(): boolean {
    return this.showingAI;
  }

  /** Draws a revision's structures: every structure of the AI revision has a row. */
  draw(labelmap: LabelmapJson): void {
    this.layers.bind(labelmap);
    this.tracking.quietly(() => {
      for (const s of labelmap.structures) {
        this.layers.ensure(s.name, s.color);
        this.layers.write(s.name, this.layers.fromRuns(s.runs));
      }
      const present = new Set(labelmap.structures.map((s) => s.name));
      for (const name of this.layers.structures.keys()) {
        if (!present.has(name)) this.layers.write(name, new Uint8Array(this.layers.voxelCount));
      }
    });
  }

  /** Shows the AI revision `aiId` in place of the working structures, or puts them back. */
  async toggleAI(aiId: number): Promise<void> {
    if (!this.showingAI) {
      this.aiLabelmap ??= await api.labelmap(aiId);
      const labelmap = this.aiLabelmap;
      this.working = new Map([...this.layers.structures.keys()].map((name) => [name, this.layers.read(name)]));
      this.tracking.quietly(() => {
        for (const s of labelmap.structures) {
          this.layers.ensure(s.name, s.color);
          this.layers.write(s.name, this.layers.fromRuns(s.runs));
        }
      });
      this.showingAI = true;
    } else {
      const working = this.working;
      this.tracking.quietly(() => {
        for (const [name, data] of working ?? []) this.layers.write(name, data);
      });
      this.working = null;
      this.showingAI = false;
    }
  }
}
