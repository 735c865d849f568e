/**
 * The review panel's buttons and revision line: which buttons work now, which revision is shown
 * and by whom, and what each click does.
 */
import { utilities as csUtilities } from '@cornerstonejs/core';
import { byId } from '../shared/dom';
import type { RevisionJson, StructureSetJson } from './api';

const memo = csUtilities.HistoryMemo.DefaultHistoryMemo;

export interface ControlsState {
  /** A physician's page with the working revision on screen (not the AI's). */
  editable: boolean;
  showingAI: boolean;
  dirty: boolean;
  saving: boolean;
  revision: RevisionJson;
  structureSet: StructureSetJson;
}

export function renderControls(state: ControlsState): void {
  const { editable, showingAI, dirty, revision, structureSet } = state;
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-edits]')) {
    button.disabled = !editable;
  }
  byId('undo', HTMLButtonElement).disabled = !editable || !memo.canUndo;
  byId('redo', HTMLButtonElement).disabled = !editable || !memo.canRedo;
  byId('save', HTMLButtonElement).disabled = !editable || !dirty || state.saving;
  const newest = structureSet.current_revision_id === revision.id;
  byId('approve', HTMLButtonElement).disabled =
    !editable || dirty || revision.state !== 'ready' || revision.approval !== null || !newest;
  const showAI = byId('show-ai', HTMLButtonElement);
  showAI.disabled = structureSet.ai_revision_id === null || structureSet.ai_revision_id === revision.id;
  showAI.setAttribute('aria-pressed', String(showingAI));
  showAI.textContent = showingAI ? 'Show current revision' : 'Show AI revision';
  const r = revision;
  const who = r.source === 'ai' ? `AI ${r.model_version ? `${r.model_version.name} ${r.model_version.version}` : ''}` : (r.author?.name || r.author?.username || '?');
  const approved = r.approval ? ` · approved by ${r.approval.by.name || r.approval.by.username} ${when(r.approval.at)}` : '';
  byId('revision-info', HTMLElement).textContent = showingAI
    ? `Showing the AI revision (read-only).`
    : `Revision ${r.number} by ${who.trim()}, ${when(r.created_at)}${approved}${dirty ? ' · unsaved edits' : ''}`;
}

export interface ControlActions {
  undo(): void;
  redo(): void;
  interpolate(): void;
  recomputeMargins(): void;
  save(): void;
  toggleAI(): void;
}

/** The buttons' clicks (Approve opens its dialog, see ./signoff). */
export function wireControls(actions: ControlActions): void {
  byId('undo', HTMLButtonElement).addEventListener('click', () => actions.undo());
  byId('redo', HTMLButtonElement).addEventListener('click', () => actions.redo());
  byId('interpolate', HTMLButtonElement).addEventListener('click', () => actions.interpolate());
  byId('margins', HTMLButtonElement).addEventListener('click', () => actions.recomputeMargins());
  byId('save', HTMLButtonElement).addEventListener('click', () => actions.save());
  byId('show-ai', HTMLButtonElement).addEventListener('click', () => actions.toggleAI());
}

function when(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}
