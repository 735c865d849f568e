/**
 * The revision the edits build on, and keeping them: a new revision saved from the structures
 * on screen, the wait while the archive writes it, and its approval. Edits stay in the page
 * whatever the server says.
 */
import { byId } from '../shared/dom';
import { api, ApiError, type RevisionJson, type StructureSetJson } from './api';
import { messageOf, type ExportPanel } from './exportPanel';
import type { StructureLayers } from './layers';
import { revisionWritten } from './signoff';
import type { StructureSelection } from './structureSelection';

export interface SavingContext {
  layers: StructureLayers;
  selection: StructureSelection;
  exports: ExportPanel;
  /** Whether what is on screen may be saved: a physician's page, not the AI revision. */
  maySave(): boolean;
  say(text: string, isError?: boolean): void;
  /** The revision, the structure set or the saving state changed. */
  onChange(): void;
}

export class RevisionSaver {
  private current: RevisionJson;
  private set: StructureSetJson;
  private unsaved = false;
  private busy = false;
  private readonly saveState = byId('save-state', HTMLElement);

  constructor(
    revision: RevisionJson,
    structureSet: StructureSetJson,
    private readonly context: SavingContext,
  ) {
    this.current = revision;
    this.set = structureSet;
  }

  /** The newest revision this page knows of its own: shown, and the parent of the next save. */
  get revision(): RevisionJson {
    return this.current;
  }

  get structureSet(): StructureSetJson {
    return this.set;
  }

  /** Whether the structures on screen have edits not saved yet. */
  get dirty(): boolean {
    return this.unsaved;
  }

  get saving(): boolean {
    return this.busy;
  }

  markDirty(): void {
    this.unsaved = true;
  }

  /** The browser asks before leaving a page with unsaved edits. */
  guardUnload(): void {
    window.addEventListener('beforeunload', (event) => {
      if (this.unsaved) event.preventDefault();
    });
  }

  async save(): Promise<void> {
    if (this.busy || !this.context.maySave()) return;
    const { layers, selection } = this.context;
    this.busy = true;
    this.context.onChange();
    this.saveState.textContent = 'Saving…';
    try {
      const saved = await api.saveRevision(this.set.id, {
        parent_id: this.current.id,
        reference_series_uid: layers.referenceSeriesUID,
        structures: [...layers.structures.keys()].map((name) => ({
          name,
          decision: selection.decisionOf(name),
          runs: layers.toRuns(layers.read(name)),
        })),
      });
      this.current = saved;
      this.set = { ...this.set, current_revision_id: saved.id, revisions: [...this.set.revisions, saved] };
      this.unsaved = false;
      this.context.say('');
      this.saveState.textContent = `Saved as revision ${saved.number}; writing it to the archive…`;
      await this.waitUntilWritten(saved.id);
    } catch (error) {
      // 409: someone saved first. Nothing is lost: the edits stay on screen.
      this.saveState.textContent = '';
      this.context.say(messageOf(error), true);
    } finally {
      this.busy = false;
      this.context.onChange();
    }
  }

  private async waitUntilWritten(revisionId: number): Promise<void> {
    const found = await revisionWritten(this.set.id, revisionId, (set) => {
      this.set = set;
      this.context.onChange();
    });
    if (!found) {
      this.saveState.textContent = 'The archive is slow to store this revision; reload later to see it.';
      return;
    }
    if (this.current.id === revisionId) this.current = found;
    this.saveState.textContent =
      found.state === 'ready' ? `Revision ${found.number} saved.` : `Revision ${found.number} could not be written: ${found.error}`;
    await this.context.exports.show(this.current);
    await this.context.exports.refreshHistory();
  }

  /** Approves the revision shown; throws for the password dialog to say why not. */
  async approve(password: string): Promise<void> {
    try {
      const approved = await api.approve(this.current.id, password);
      this.current = approved;
      this.saveState.textContent = `Revision ${approved.number} approved.`;
      await this.context.exports.show(approved);
      await this.context.exports.refreshHistory();
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 409) this.context.say(failure.message, true);
      throw failure;
    } finally {
      this.context.onChange();
    }
  }
}
