/**
 * The structures over the rows: the study's structure set, its newest written revision, and the
 * review session that draws and edits them (../review/). Where they cannot be shown, the images
 * stay usable and the page says why.
 */
import { api, ApiError, type LabelmapJson, type RevisionJson, type StructureSetJson } from '../review/api';
import { showReviewMessage } from '../review/message';
import { ReviewSession } from '../review/review';
import { byId } from '../shared/dom';
import type { ViewerRows } from './rows';
import type { StudySeries } from './studySeries';
import { choosePrimaryEverywhere } from './toolbar';
import { setBrushSize } from './tools';

/** The study's structure set (the page's data-structure-set-id), or null where there is none. */
export async function structureSetOrNull(id: string | undefined): Promise<StructureSetJson | null> {
  const setId = Number(id || NaN);
  if (!Number.isInteger(setId)) return null;
  try {
    return await api.structureSet(setId);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null; // deleted meanwhile
    throw error;
  }
}

/** The revision to review: the current one where it is written, else the newest written. */
export function newestWritten(structureSet: StructureSetJson | null): RevisionJson | undefined {
  return structureSet?.revisions.find((r) => r.id === structureSet.current_revision_id && r.state === 'ready')
    ?? [...(structureSet?.revisions ?? [])].reverse().find((r) => r.state === 'ready');
}

export interface ReviewStart {
  rows: ViewerRows;
  studySeries: StudySeries;
  studyUID: string;
  username: string;
  canEdit: boolean;
  structureSet: StructureSetJson;
  current: RevisionJson;
  labelmap: Promise<LabelmapJson | null>;
  /** Called once the structures are drawn in every view, before the page says so. */
  onShown: () => void;
}

export async function startReview(start: ReviewStart): Promise<void> {
  const { rows } = start;
  try {
    const labels = await start.labelmap;
    if (!labels) throw new Error('the revision has no labelmap');
    const reference = await start.studySeries.volume(labels.reference_series_uid);
    const session = new ReviewSession({
      studyUID: start.studyUID,
      username: start.username,
      canEdit: start.canEdit,
      structureSet: start.structureSet,
      revision: start.current,
      labelmap: labels,
      referenceVolumeId: reference.volumeId,
      viewportIds: () => rows.viewportIds.filter((id) => rows.engine.getViewport(id) !== undefined && !id.endsWith('-stack')),
      onTool: (tool) => choosePrimaryEverywhere(rows, tool),
    });
    await session.start();
    rows.review = session;
    setBrushSize(['volume-top', 'volume-bottom'], Number(byId('brush-size', HTMLInputElement).value));
    session.attach(rows.viewportIds);
    await rows.labelmapsMounted(rows.viewportIds);
    rows.resetViews();
    start.onShown();
    document.body.dataset.labelmapLoaded = '1';
  } catch (error) {
    // The images stay usable; only the structures are missing, and the page says why.
    rows.review = null;
    console.error(error);
    showReviewMessage(`The structures could not be shown: ${error instanceof Error ? error.message : String(error)}`, true);
  }
}
