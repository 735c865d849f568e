/**
 * A reviewer's session on a structure set: the structures of the newest revision drawn over
 * the images, edits with Cornerstone's labelmap tools, decisions, the AI/current toggle, and
 * saving and approving through the review API. Edits stay in the page whatever the server says.
 */
import { eventTarget, utilities as csUtilities } from '@cornerstonejs/core';
import { Enums as ToolEnums, segmentation } from '@cornerstonejs/tools';
import { byId } from '../shared/dom';
import type { ReviewHook } from '../viewer/testHook';
import { EDITING_TOOLS, type PrimaryTool } from '../viewer/tools';
import { api, ApiError, type Decision, type LabelmapJson, type RevisionJson, type StructureSetJson } from './api';
import { ExportPanel, messageOf } from './exportPanel';
import { pushReplacement, StructureLayers } from './layers';
import { Presence } from './presence';
import { ApprovalDialog, revisionWritten } from './signoff';
import { StructureTable } from './structureTable';

export interface ReviewOptions {
  studyUID: string;
  username: string;
  canEdit: boolean;
  structureSet: StructureSetJson;
  revision: RevisionJson;
  labelmap: LabelmapJson;
  referenceVolumeId: string;
  viewportIds: () => string[];
  onTool: (tool: PrimaryTool) => void;
}

const memo = csUtilities.HistoryMemo.DefaultHistoryMemo;

export class ReviewSession {
  readonly layers: StructureLayers;
  readonly hook: ReviewHook;
  private revision: RevisionJson;
  private structureSet: StructureSetJson;
  private readonly decisions = new Map<string, Decision>();
  private active = 'GTV';
  private dirty = false;
  private showingAI = false;
  private aiLabelmap: LabelmapJson | null = null;
  private working: Map<string, Uint8Array> | null = null;
  private writing = false; // our own writes are not the user's edits
  private saving = false;
  /** Set when the user presses a mouse button with an editing tool on a view. */
  private userEditing = false;
  private tool: PrimaryTool = 'crosshairs';
  private readonly table: StructureTable;
  private readonly exports: ExportPanel;
  private readonly presence: Presence;
  private readonly message = byId('review-message', HTMLElement);
  private readonly saveState = byId('save-state', HTMLElement);

  constructor(private readonly options: ReviewOptions) {
    this.revision = options.revision;
    this.structureSet = options.structureSet;
    this.layers = new StructureLayers(options.referenceVolumeId, options.labelmap.reference_series_uid);
    this.table = new StructureTable(byId('structures', HTMLTableElement).tBodies[0]!, {
      onActive: (name) => this.setActive(name),
      onStyle: (name, style) => {
        this.layers.setStyle(name, style);
        this.refreshRow(name);
      },
      onDecision: (name, decision) => {
        this.decisions.set(name, decision);
        this.markDirty();
      },
    });
    this.exports = new ExportPanel(options.studyUID, (text, isError) => this.say(text, isError));
    this.presence = new Presence(options.structureSet.id, options.username, byId('presence', HTMLElement));
    const session = this;
    this.hook = {
      labelmapLoaded: false,
      revisionId: this.revision.id,
      structureNames: () => [...this.layers.structures.keys()],
      voxelCount: (name) => this.layers.count(name),
      runs: (name) => this.layers.toRuns(this.layers.read(name)),
      paintDisc: (name, slice, row, column, radius) => this.paintDisc(name, slice, row, column, radius),
      canUndo: () => memo.canUndo,
      dirty: () => session.dirty,
    };
  }

  async start(): Promise<void> {
    this.load(this.options.labelmap, this.revision);
    byId('review-panel', HTMLElement).hidden = false;
    this.wireButtons();
    eventTarget.addEventListener(ToolEnums.Events.SEGMENTATION_DATA_MODIFIED, (event: Event) => {
      const id = (event as CustomEvent<{ segmentationId: string }>).detail.segmentationId;
      const structure = [...this.layers.structures.values()].find((s) => s.segmentationId === id);
      if (!structure) return;
      if (this.userEditing && !this.writing && !this.showingAI) {
        this.decisions.set(structure.name, 'edited');
        this.markDirty();
      }
      this.refreshRowSoon(structure.name);
    });
    document.querySelector('.panes')?.addEventListener(
      'pointerdown',
      () => (this.userEditing = EDITING_TOOLS.has(this.tool) && this.editingAllowed(this.tool)),
      { capture: true },
    );
    // A stroke's undo step is recorded when the button goes up.
    document.addEventListener('pointerup', () => window.setTimeout(() => this.refreshControls(), 0), { capture: true });
    window.addEventListener('beforeunload', (event) => {
      if (this.dirty) event.preventDefault();
    });
    this.presence.watch(this.structureSet.editor);
    await this.exports.start();
    await this.exports.show(this.revision);
    this.refreshControls();
    this.hook.labelmapLoaded = true;
  }

  attach(viewportIds: string[]): void {
    this.layers.attach(viewportIds);
    this.applyActive();
  }

  detach(viewportIds: string[]): void {
    this.layers.detach(viewportIds);
  }

  /** The n-th structure of the table becomes the one the tools edit. */
  selectStructure(index: number): void {
    const name = [...this.layers.structures.keys()][index];
    if (name) this.setActive(name);
  }

  /** H and L: the edited structure's visibility, and its outline or fill. */
  toggleDisplay(what: 'visible' | 'fill'): void {
    const style = this.layers.style(this.active);
    if (!style) return;
    this.layers.setStyle(this.active, what === 'visible' ? { visible: !style.visible } : { fill: !style.fill });
    this.refreshAllRows();
  }

  editingAllowed(tool: PrimaryTool): boolean {
    return !EDITING_TOOLS.has(tool) || (this.options.canEdit && !this.showingAI);
  }

  /** Draws a revision's structures: every structure of the AI revision has a row. */
  private load(labelmap: LabelmapJson, revision: RevisionJson): void {
    this.layers.bind(labelmap);
    this.writing = true;
    try {
      for (const s of labelmap.structures) {
        this.layers.ensure(s.name, s.color);
        this.layers.write(s.name, this.layers.fromRuns(s.runs));
      }
      const present = new Set(labelmap.structures.map((s) => s.name));
      for (const name of this.layers.structures.keys()) {
        if (!present.has(name)) this.layers.write(name, new Uint8Array(this.layers.voxelCount));
      }
    } finally {
      this.writing = false;
    }
    this.decisions.clear();
    for (const s of revision.structures) {
      this.decisions.set(s.name, s.decision === 'rejected' ? 'rejected' : 'accepted');
    }
    for (const name of this.layers.structures.keys()) {
      if (!this.decisions.has(name)) this.decisions.set(name, 'rejected');
    }
    if (!this.layers.structures.has(this.active)) this.active = [...this.layers.structures.keys()][0] ?? '';
    this.table.render(
      [...this.layers.structures.values()].map((s) => this.rowOf(s.name)),
      this.active,
    );
    this.applyActive();
  }

  private rowOf(name: string) {
    const structure = this.layers.structures.get(name)!;
    return {
      name,
      color: structure.color,
      style: this.layers.style(name)!,
      decision: this.decisions.get(name) ?? 'accepted',
      voxels: this.layers.count(name),
    };
  }

  private refreshRow(name: string): void {
    if (this.layers.structures.has(name)) this.table.update(this.rowOf(name), this.active);
  }

  private refreshAllRows(): void {
    for (const name of this.layers.structures.keys()) this.refreshRow(name);
  }

  private pendingRows = new Set<string>();
  private refreshRowSoon(name: string): void {
    if (this.pendingRows.size === 0) {
      window.setTimeout(() => {
        for (const pending of this.pendingRows) this.refreshRow(pending);
        this.pendingRows.clear();
      }, 150);
    }
    this.pendingRows.add(name);
  }

  setActive(name: string): void {
    this.active = name;
    this.applyActive();
    this.refreshAllRows();
  }

  private applyActive(): void {
    const structure = this.layers.structures.get(this.active);
    if (!structure) return;
    for (const viewportId of this.options.viewportIds()) {
      segmentation.activeSegmentation.setActiveSegmentation(viewportId, structure.segmentationId);
    }
    segmentation.segmentIndex.setActiveSegmentIndex(structure.segmentationId, 1);
  }

  chooseTool(tool: PrimaryTool): void {
    if (!this.editingAllowed(tool)) {
      this.say(this.showingAI ? 'The AI revision is shown read-only; switch back to edit.' : 'Only physicians edit structures.', true);
      return;
    }
    this.tool = tool;
    this.options.onTool(tool);
  }

  private markDirty(): void {
    this.dirty = true;
    // Whoever edits holds the set: a second reviewer sees who is at work.
    if (this.options.canEdit) this.presence.claim();
    this.refreshControls();
  }

  private refreshControls(): void {
    const editable = this.options.canEdit && !this.showingAI;
    for (const button of document.querySelectorAll<HTMLButtonElement>('[data-edits]')) {
      button.disabled = !editable;
    }
    byId('undo', HTMLButtonElement).disabled = !editable || !memo.canUndo;
    byId('redo', HTMLButtonElement).disabled = !editable || !memo.canRedo;
    byId('save', HTMLButtonElement).disabled = !editable || !this.dirty || this.saving;
    const newest = this.structureSet.current_revision_id === this.revision.id;
    byId('approve', HTMLButtonElement).disabled =
      !editable || this.dirty || this.revision.state !== 'ready' || this.revision.approval !== null || !newest;
    const showAI = byId('show-ai', HTMLButtonElement);
    showAI.disabled = this.structureSet.ai_revision_id === null || this.structureSet.ai_revision_id === this.revision.id;
    showAI.setAttribute('aria-pressed', String(this.showingAI));
    showAI.textContent = this.showingAI ? 'Show current revision' : 'Show AI revision';
    const r = this.revision;
    const who = r.source === 'ai' ? `AI ${r.model_version ? `${r.model_version.name} ${r.model_version.version}` : ''}` : (r.author?.name || r.author?.username || '?');
    const approved = r.approval ? ` · approved by ${r.approval.by.name || r.approval.by.username} ${when(r.approval.at)}` : '';
    byId('revision-info', HTMLElement).textContent = this.showingAI
      ? `Showing the AI revision (read-only).`
      : `Revision ${r.number} by ${who.trim()}, ${when(r.created_at)}${approved}${this.dirty ? ' · unsaved edits' : ''}`;
    this.hook.revisionId = this.revision.id;
  }

  private wireButtons(): void {
    byId('undo', HTMLButtonElement).addEventListener('click', () => this.undo());
    byId('redo', HTMLButtonElement).addEventListener('click', () => this.redo());
    byId('interpolate', HTMLButtonElement).addEventListener('click', () => void this.interpolate());
    byId('margins', HTMLButtonElement).addEventListener('click', () => void this.recomputeMargins());
    byId('save', HTMLButtonElement).addEventListener('click', () => void this.save());
    byId('show-ai', HTMLButtonElement).addEventListener('click', () => void this.toggleAI());
    const dialog = new ApprovalDialog((password) => this.approve(password));
    byId('approve', HTMLButtonElement).addEventListener('click', () => dialog.open(this.revision.number));
  }

  undo(): void {
    if (this.showingAI || !memo.canUndo) return;
    memo.undo();
    this.markDirty();
  }

  redo(): void {
    if (this.showingAI || !memo.canRedo) return;
    memo.redo();
    this.markDirty();
  }

  /** Replaces whole structures as one undoable step. */
  private replace(masks: Record<string, Uint8Array>): void {
    const changes = Object.entries(masks).map(([name, after]) => ({ name, before: this.layers.read(name), after }));
    for (const change of changes) this.layers.write(change.name, change.after);
    pushReplacement(this.layers, changes, () => this.refreshAllRows());
    this.markDirty();
  }

  async interpolate(): Promise<void> {
    if (!this.editingAllowed('brush')) return;
    const name = this.active;
    this.say(`Interpolating ${name} between slices…`);
    try {
      const answer = await api.interpolate(this.structureSet.id, {
        reference_series_uid: this.layers.referenceSeriesUID,
        runs: this.layers.toRuns(this.layers.read(name)),
      });
      this.replace({ [name]: this.layers.fromRuns(answer.runs) });
      this.decisions.set(name, 'edited');
      this.refreshAllRows();
      this.say(`${name} interpolated between slices.`);
    } catch (error) {
      this.say(messageOf(error), true);
    }
  }

  async recomputeMargins(): Promise<void> {
    if (!this.editingAllowed('brush')) return;
    if (!this.layers.structures.has('GTV') || !this.layers.structures.has('Brain')) {
      this.say('CTV and PTV are computed from the GTV and the brain; this revision lacks one of them.', true);
      return;
    }
    this.say('Recomputing CTV and PTV from the GTV…');
    try {
      const answer = await api.margins(this.structureSet.id, {
        reference_series_uid: this.layers.referenceSeriesUID,
        gtv: this.layers.toRuns(this.layers.read('GTV')),
        brain: this.layers.toRuns(this.layers.read('Brain')),
      });
      this.layers.ensure('CTV', [255, 128, 0]);
      this.layers.ensure('PTV', [0, 160, 255]);
      this.replace({ CTV: this.layers.fromRuns(answer.CTV), PTV: this.layers.fromRuns(answer.PTV) });
      this.decisions.set('CTV', 'edited');
      this.decisions.set('PTV', 'edited');
      this.refreshAllRows();
      this.say(`CTV (GTV + ${answer.ctv_margin_mm} mm, within the brain) and PTV (CTV + ${answer.ptv_margin_mm} mm) recomputed.`);
    } catch (error) {
      this.say(messageOf(error), true);
    }
  }

  async toggleAI(): Promise<void> {
    const aiId = this.structureSet.ai_revision_id;
    if (aiId === null || aiId === this.revision.id) return;
    try {
      if (!this.showingAI) {
        this.aiLabelmap ??= await api.labelmap(aiId);
        this.working = new Map([...this.layers.structures.keys()].map((name) => [name, this.layers.read(name)]));
        this.writing = true;
        try {
          for (const s of this.aiLabelmap.structures) {
            this.layers.ensure(s.name, s.color);
            this.layers.write(s.name, this.layers.fromRuns(s.runs));
          }
        } finally {
          this.writing = false;
        }
        this.showingAI = true;
        this.tool = 'crosshairs';
        this.options.onTool('crosshairs');
      } else {
        this.writing = true;
        try {
          for (const [name, data] of this.working ?? []) this.layers.write(name, data);
        } finally {
          this.writing = false;
        }
        this.working = null;
        this.showingAI = false;
      }
      this.table.render([...this.layers.structures.keys()].map((name) => this.rowOf(name)), this.active);
      this.refreshControls();
    } catch (error) {
      this.say(messageOf(error), true);
    }
  }

  async save(): Promise<void> {
    if (this.saving || this.showingAI || !this.options.canEdit) return;
    this.saving = true;
    this.refreshControls();
    this.saveState.textContent = 'Saving…';
    try {
      const saved = await api.saveRevision(this.structureSet.id, {
        parent_id: this.revision.id,
        reference_series_uid: this.layers.referenceSeriesUID,
        structures: [...this.layers.structures.keys()].map((name) => ({
          name,
          decision: this.decisions.get(name) ?? 'accepted',
          runs: this.layers.toRuns(this.layers.read(name)),
        })),
      });
      this.revision = saved;
      this.structureSet = { ...this.structureSet, current_revision_id: saved.id, revisions: [...this.structureSet.revisions, saved] };
      this.dirty = false;
      this.say('');
      this.saveState.textContent = `Saved as revision ${saved.number}; writing it to the archive…`;
      await this.waitUntilWritten(saved.id);
    } catch (error) {
      // 409: someone saved first. Nothing is lost: the edits stay on screen.
      this.saveState.textContent = '';
      this.say(messageOf(error), true);
    } finally {
      this.saving = false;
      this.refreshControls();
    }
  }

  private async waitUntilWritten(revisionId: number): Promise<void> {
    const found = await revisionWritten(this.structureSet.id, revisionId, (set) => {
      this.structureSet = set;
      this.refreshControls();
    });
    if (!found) {
      this.saveState.textContent = 'The archive is slow to store this revision; reload later to see it.';
      return;
    }
    if (this.revision.id === revisionId) this.revision = found;
    this.saveState.textContent =
      found.state === 'ready' ? `Revision ${found.number} saved.` : `Revision ${found.number} could not be written: ${found.error}`;
    await this.exports.show(this.revision);
    await this.exports.refreshHistory();
  }

  private async approve(password: string): Promise<void> {
    try {
      const approved = await api.approve(this.revision.id, password);
      this.revision = approved;
      this.saveState.textContent = `Revision ${approved.number} approved.`;
      await this.exports.show(approved);
      await this.exports.refreshHistory();
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 409) this.say(failure.message, true);
      throw failure;
    } finally {
      this.refreshControls();
    }
  }

  private paintDisc(name: string, slice: number, row: number, column: number, radius: number): void {
    const data = this.layers.read(name);
    const size = this.layers.sliceSize;
    const columns = this.options.labelmap.shape[2];
    const rows = this.options.labelmap.shape[1];
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
    this.message.textContent = text;
    this.message.hidden = text === '';
    this.message.classList.toggle('error', isError);
  }
}

function when(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}
