/**
 * A reviewer's session on a structure set: the structures of the newest revision drawn over
 * the images, edits with Cornerstone's labelmap tools, decisions, the AI/current toggle, and
 * saving and approving through the review API. Edits stay in the page whatever the server says.
 * The session holds the parts together: the table and selection (./structureSelection), what
 * counts as an edit (./editTracking), whole-structure edits (./structureEdits), the revision
 * drawn (./shownRevision), saving (./saving) and the panel's buttons (./controls).
 */
import { utilities as csUtilities } from '@cornerstonejs/core';
import { byId } from '../shared/dom';
import type { ReviewHook } from '../viewer/testHook';
import { EDITING_TOOLS, type PrimaryTool } from '../viewer/tools';
import type { LabelmapJson, RevisionJson, StructureSetJson } from './api';
import { renderControls, wireControls } from './controls';
import { EditTracking } from './editTracking';
import { ExportPanel, messageOf } from './exportPanel';
import { StructureLayers } from './layers';
import { showReviewMessage } from './message';
import { Presence } from './presence';
import { RevisionSaver } from './saving';
import { ShownRevision } from './shownRevision';
import { ApprovalDialog } from './signoff';
import { StructureEdits } from './structureEdits';
import { StructureSelection } from './structureSelection';

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
  private tool: PrimaryTool = 'crosshairs';
  private readonly selection: StructureSelection;
  private readonly exports: ExportPanel;
  private readonly presence: Presence;
  private readonly tracking: EditTracking;
  private readonly shown: ShownRevision;
  private readonly saver: RevisionSaver;
  private readonly edits: StructureEdits;

  constructor(private readonly options: ReviewOptions) {
    this.layers = new StructureLayers(options.referenceVolumeId, options.labelmap.reference_series_uid);
    this.selection = new StructureSelection(this.layers, options.viewportIds, () => this.markDirty());
    this.exports = new ExportPanel(options.studyUID, showReviewMessage);
    this.presence = new Presence(options.structureSet.id, options.username, byId('presence', HTMLElement));
    this.tracking = new EditTracking(this.layers, {
      editingToolChosen: () => EDITING_TOOLS.has(this.tool) && this.editingAllowed(this.tool),
      onEdited: (name) => {
        if (this.shown.aiShown) return;
        this.selection.decide(name, 'edited');
        this.markDirty();
      },
      onChanged: (name) => this.selection.refreshSoon(name),
      onStrokeEnd: () => this.refreshControls(),
    });
    this.shown = new ShownRevision(this.layers, this.tracking);
    this.saver = new RevisionSaver(options.revision, options.structureSet, {
      layers: this.layers,
      selection: this.selection,
      exports: this.exports,
      maySave: () => options.canEdit && !this.shown.aiShown,
      say: showReviewMessage,
      onChange: () => this.refreshControls(),
    });
    this.edits = new StructureEdits({
      setId: options.structureSet.id,
      shape: options.labelmap.shape,
      layers: this.layers,
      selection: this.selection,
      mayEdit: () => this.editingAllowed('brush'),
      showingAI: () => this.shown.aiShown,
      markDirty: () => this.markDirty(),
      say: showReviewMessage,
    });
    this.hook = {
      labelmapLoaded: false,
      revisionId: options.revision.id,
      structureNames: () => [...this.layers.structures.keys()],
      voxelCount: (name) => this.layers.count(name),
      runs: (name) => this.layers.toRuns(this.layers.read(name)),
      paintDisc: (name, slice, row, column, radius) => this.edits.paintDisc(name, slice, row, column, radius),
      canUndo: () => memo.canUndo,
      dirty: () => this.saver.dirty,
    };
  }

  async start(): Promise<void> {
    this.shown.draw(this.options.labelmap);
    this.selection.adopt(this.saver.revision);
    byId('review-panel', HTMLElement).hidden = false;
    wireControls(this);
    new ApprovalDialog((password) => this.saver.approve(password), () => this.saver.revision.number);
    this.tracking.listen();
    this.saver.guardUnload();
    this.presence.watch(this.saver.structureSet.editor);
    await this.exports.start();
    await this.exports.show(this.saver.revision);
    this.refreshControls();
    this.hook.labelmapLoaded = true;
  }

  attach(viewportIds: string[]): void {
    this.layers.attach(viewportIds);
    this.selection.applyActive();
  }

  detach(viewportIds: string[]): void {
    this.layers.detach(viewportIds);
  }

  /** The n-th structure of the table becomes the one the tools edit. */
  selectStructure(index: number): void {
    this.selection.select(index);
  }

  /** H and L: the edited structure's visibility, and its outline or fill. */
  toggleDisplay(what: 'visible' | 'fill'): void {
    this.selection.toggleDisplay(what);
  }

  editingAllowed(tool: PrimaryTool): boolean {
    return !EDITING_TOOLS.has(tool) || (this.options.canEdit && !this.shown.aiShown);
  }

  chooseTool(tool: PrimaryTool): void {
    if (!this.editingAllowed(tool)) {
      showReviewMessage(this.shown.aiShown ? 'The AI revision is shown read-only; switch back to edit.' : 'Only physicians edit structures.', true);
      return;
    }
    this.tool = tool;
    this.options.onTool(tool);
  }

  undo(): void {
    this.edits.undo();
  }

  redo(): void {
    this.edits.redo();
  }

  interpolate(): Promise<void> {
    return this.edits.interpolate();
  }

  recomputeMargins(): Promise<void> {
    return this.edits.recomputeMargins();
  }

  save(): Promise<void> {
    return this.saver.save();
  }

  async toggleAI(): Promise<void> {
    const aiId = this.saver.structureSet.ai_revision_id;
    if (aiId === null || aiId === this.saver.revision.id) return;
    try {
      await this.shown.toggleAI(aiId);
      if (this.shown.aiShown) {
        // Nothing on the AI revision is edited: the tools go back to crosshairs.
        this.tool = 'crosshairs';
        this.options.onTool('crosshairs');
      }
      this.selection.render();
      this.refreshControls();
    } catch (error) {
      showReviewMessage(messageOf(error), true);
    }
  }

  private markDirty(): void {
    this.saver.markDirty();
    // Whoever edits holds the set: a second reviewer sees who is at work.
    if (this.options.canEdit) this.presence.claim();
    this.refreshControls();
  }

  private refreshControls(): void {
    renderControls({
      editable: this.options.canEdit && !this.shown.aiShown,
      showingAI: this.shown.aiShown,
      dirty: this.saver.dirty,
      saving: this.saver.saving,
      revision: this.saver.revision,
      structureSet: this.saver.structureSet,
    });
    this.hook.revisionId = this.saver.revision.id;
  }
}
