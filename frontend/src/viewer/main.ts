/**
 * The review page: a study's series in two rows (T1c above, FLAIR below by default), each in
 * axial, coronal and sagittal views with crosshairs, and the structures of the study's newest
 * revision over them, editable by physicians (see ../review/).
 */
import './viewer.css';
import { cache, RenderingEngine } from '@cornerstonejs/core';
import { CrosshairsTool, ToolGroupManager } from '@cornerstonejs/tools';
import { byId } from '../shared/dom';
import { api, ApiError, type LabelmapJson, type RevisionJson, type StructureSetJson } from '../review/api';
import { ReviewSession } from '../review/review';
import { bindShortcuts } from '../review/shortcuts';
import { initCornerstone } from './cornerstone';
import { DicomWebClient } from './dicomweb';
import { SeriesPane } from './pane';
import { linkRows } from './linkRows';
import { FirstPreview } from './preview';
import { isDisplayable, markCurrent, renderSeriesList, seriesLabel } from './seriesList';
import { StudySeries } from './studySeries';
import { publishViewerHook } from './testHook';
import {
  choosePrimary,
  EDITING_TOOLS,
  RENDERING_ENGINE_ID,
  setBrushSize,
  stackToolGroup,
  volumeToolGroup,
  type PrimaryTool,
} from './tools';

const root = byId('viewer', HTMLElement);
const studyUID = root.dataset.studyUid ?? '';
const canEdit = root.dataset.canEdit === '1';
const username = root.dataset.username ?? '';
const client = new DicomWebClient(
  new URL(root.dataset.dicomwebRoot ?? '/dicomweb', window.location.href).href.replace(/\/$/, ''),
);
const list = byId('series-list', HTMLOListElement);
const status = byId('viewer-status', HTMLElement);
const timings: { firstImage: number | undefined; allLoaded: number | undefined; marks: Record<string, number> } = {
  firstImage: undefined,
  allLoaded: undefined,
  // Milestones of the page's start (ms from navigation start), for the benchmark's breakdown.
  marks: { scriptStart: performance.now() },
};
// Main-thread tasks over 50 ms, for the benchmark's breakdown (browsers without the API: none).
const longTasks: { start: number; duration: number }[] = [];
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // no Long Tasks API
}
const preview = new FirstPreview('first-preview');
preview.onShown((at) => {
  timings.marks.previewShown = at;
  timings.firstImage = Math.min(timings.firstImage ?? Infinity, at);
});

const studySeries = new StudySeries(client, studyUID, (summary) => {
  timings.marks[`metadata-${summary.seriesNumber ?? summary.seriesInstanceUID}`] ??= performance.now();
});
let engine: RenderingEngine;
let panes: { top: SeriesPane; bottom: SeriesPane };
let review: ReviewSession | null = null;
let primaryTool: PrimaryTool = 'crosshairs';
let rowsLinked = false;

function showStatus(message: string, isError = false): void {
  status.textContent = message;
  status.hidden = message === '';
  status.classList.toggle('error', isError);
  status.setAttribute('role', isError ? 'alert' : 'status');
}

async function showIn(pane: SeriesPane, seriesUID: string): Promise<void> {
  if (pane.name === 'top' && seriesUID !== preview.seriesUID) preview.remove();
  const loaded = await studySeries.load(seriesUID);
  pane.title.textContent = `${pane.name === 'top' ? 'Above' : 'Below'}: ${loaded.summary.modality} ${seriesLabel(loaded.summary)}`;
  review?.detach(pane.viewportIds);
  for (const id of [`volume-${pane.name}`, `stack-${pane.name}`]) {
    const group = ToolGroupManager.getToolGroup(id);
    for (const cell of pane.cells) group?.removeViewports(RENDERING_ENGINE_ID, cell.viewportId);
  }
  if (loaded.imageIds.length === 0) throw new Error('This series has no images.');
  if (loaded.volume) {
    const volume = await studySeries.volume(seriesUID);
    const shown = pane.showVolume(seriesUID, volume.volumeId, loaded.imageIds);
    const group = volumeToolGroup(`volume-${pane.name}`);
    for (const id of pane.viewportIds) group.addViewport(id, RENDERING_ENGINE_ID);
    review?.attach(pane.viewportIds);
    await shown;
    if (review) {
      await labelmapsMounted(pane.viewportIds);
      resetViews([pane]);
    }
    // Crosshairs place themselves when first active; other tools keep them drawn afterwards.
    choosePrimary(group, 'crosshairs');
    if (primaryTool !== 'crosshairs') choosePrimary(group, primaryTool);
  } else {
    await pane.showStack(seriesUID, loaded.imageIds);
    const group = stackToolGroup(`stack-${pane.name}`);
    for (const id of pane.viewportIds) group.addViewport(id, RENDERING_ENGINE_ID);
  }
  // The axial view now shows the whole series; the preview under it would only be stale.
  if (pane.name === 'top') preview.remove();
  rowsLinked = linkRows(engine, panes.top, panes.bottom);
  panes.bottom.title.dataset.linked = rowsLinked ? '1' : '0';
  if (pane.firstImageAt !== undefined) timings.firstImage = Math.min(timings.firstImage ?? Infinity, pane.firstImageAt);
}

async function waitForFirstImage(pane: SeriesPane): Promise<void> {
  // showIn resets the pane's promise once the series' metadata is in; wait for that first.
  while (pane.seriesUID === '') await new Promise((resolve) => setTimeout(resolve, 10));
  await pane.firstImage;
}

function choosePrimaryEverywhere(tool: PrimaryTool): void {
  primaryTool = tool;
  for (const pane of Object.values(panes)) {
    if (pane.mode !== 'volume') continue;
    const group = ToolGroupManager.getToolGroup(`volume-${pane.name}`);
    if (group) choosePrimary(group, tool);
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>('#tools [data-tool]')) {
    button.setAttribute('aria-pressed', String(button.dataset.tool === tool));
  }
}

/** A toolbar button or its key: editing tools only where this user may edit what is shown. */
function chooseTool(tool: PrimaryTool): void {
  if (review) review.chooseTool(tool); // says why not, or calls back choosePrimaryEverywhere
  else if (!EDITING_TOOLS.has(tool)) choosePrimaryEverywhere(tool);
}

function wireControls(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('#tools [data-tool]')) {
    button.addEventListener('click', () => chooseTool(button.dataset.tool as PrimaryTool));
  }
  const size = byId('brush-size', HTMLInputElement);
  const applySize = (): void => {
    byId('brush-size-value', HTMLOutputElement).value = size.value;
    setBrushSize(['volume-top', 'volume-bottom'], Number(size.value));
  };
  size.addEventListener('input', applySize);
  bindShortcuts({
    tool: chooseTool,
    undo: () => review?.undo(),
    redo: () => review?.redo(),
    save: () => void review?.save(),
    interpolate: () => void review?.interpolate(),
    margins: () => void review?.recomputeMargins(),
    toggleAI: () => void review?.toggleAI(),
    structure: (index) => review?.selectStructure(index),
    toggleVisible: () => review?.toggleDisplay('visible'),
    toggleFill: () => review?.toggleDisplay('fill'),
    brushSize: (delta) => {
      size.value = String(Number(size.value) + delta);
      applySize();
    },
    reset: () => resetViews(),
  });
  return applySize();
}

function publish(): void {
  publishViewerHook({
    imageIds: panes.top.mode === 'volume' ? (cache.getVolume(panes.top.volumeId)?.imageIds ?? panes.top.imageIds) : panes.top.imageIds,
    seriesUID: panes.top.seriesUID,
    bottomSeriesUID: panes.bottom.seriesUID,
    timings,
    longTasks,
    review: review?.hook ?? null,
    rowsLinked: () => rowsLinked,
    views: () =>
      [panes.top, panes.bottom].flatMap((pane) =>
        pane.cells
          .filter((cell) => engine.getViewport(cell.viewportId))
          .map((cell) => ({
            id: cell.viewportId,
            slice: cell.index.textContent ?? '',
            focalPoint: [...(engine.getViewport(cell.viewportId)?.getCamera().focalPoint ?? [])],
          })),
      ),
  });
}

async function structureSetOrNull(): Promise<StructureSetJson | null> {
  const id = Number(root.dataset.structureSetId || NaN);
  if (!Number.isInteger(id)) return null;
  try {
    return await api.structureSet(id);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null; // deleted meanwhile
    throw error;
  }
}

async function sequenceUIDs(): Promise<Record<string, string>> {
  try {
    const found = await api.sequences(studyUID);
    const uids: Record<string, string> = {};
    for (const [kind, choice] of Object.entries(found.sequences)) if (choice) uids[kind] = choice.series_instance_uid;
    return uids;
  } catch {
    return {}; // identification is a convenience; descriptions below do without it
  }
}

function byDescription(pattern: RegExp, exclude: string[]): string | undefined {
  return studySeries.all.find((s) => isDisplayable(s) && !exclude.includes(s.seriesInstanceUID) && pattern.test(s.description))
    ?.seriesInstanceUID;
}

async function start(): Promise<void> {
  initCornerstone();
  engine = new RenderingEngine(RENDERING_ENGINE_ID);
  panes = {
    top: new SeriesPane('top', byId('pane-top', HTMLElement).querySelector('.cells') as HTMLElement, engine, byId('pane-top-title', HTMLElement)),
    bottom: new SeriesPane('bottom', byId('pane-bottom', HTMLElement).querySelector('.cells') as HTMLElement, engine, byId('pane-bottom-title', HTMLElement)),
  };
  wireControls();
  const [, structureSet, sequences] = await Promise.all([studySeries.list(), structureSetOrNull(), sequenceUIDs()]);
  timings.marks.seriesListed = performance.now();
  const current = structureSet?.revisions.find((r) => r.id === structureSet.current_revision_id && r.state === 'ready')
    ?? [...(structureSet?.revisions ?? [])].reverse().find((r) => r.state === 'ready');
  const labelmap: Promise<LabelmapJson | null> = current ? api.labelmap(current.id) : Promise.resolve(null);
  labelmap.catch(() => undefined);
  const displayable = studySeries.all.filter(isDisplayable).map((s) => s.seriesInstanceUID);
  const params = new URLSearchParams(window.location.search);
  const known = (uid: string | null | undefined): string | undefined => (uid && displayable.includes(uid) ? uid : undefined);
  // The structures' own series comes first; the T1c the site identified is the same series as
  // a rule, and knowing it spares waiting for the structures before the images.
  const referenceUID =
    current && !known(params.get('series')) && !known(sequences.T1c)
      ? (await labelmap.catch(() => null))?.reference_series_uid
      : undefined;
  const topUID =
    known(params.get('series')) ?? known(referenceUID) ?? known(sequences.T1c) ??
    byDescription(/t1.*(c\b|\+c|gd|post|contrast|ce\b|mprage)/i, []) ?? displayable[0];
  renderSeriesList(list, studySeries.all, (uid) => choose('top', uid), (uid) => choose('bottom', uid));
  if (!topUID) {
    showStatus(studySeries.all.length === 0 ? 'This study has no series.' : 'No series here has images.');
    return;
  }
  const bottomUID =
    known(params.get('bottom')) ?? known(sequences.FLAIR) ?? byDescription(/flair/i, [topUID]) ??
    displayable.find((uid) => uid !== topUID);
  showStatus('Loading images…');
  markCurrent(list, topUID, bottomUID);
  const topShown = showIn(panes.top, topUID);
  // The second row waits for the first row's first image: both would share the server and the
  // CPU, and the reader looks at the T1c first.
  const bottomShown = bottomUID
    ? Promise.race([topShown.then(() => undefined), waitForFirstImage(panes.top)]).then(() => showIn(panes.bottom, bottomUID))
    : Promise.resolve();
  if (!bottomUID) byId('pane-bottom', HTMLElement).hidden = true;
  // Every other series of the study streams in the background once both rows show an image
  // (they have the server to themselves before that): one click then shows it at once.
  const shownRowsDrawn = Promise.all([
    Promise.race([topShown, waitForFirstImage(panes.top)]),
    Promise.race([bottomShown, bottomUID ? waitForFirstImage(panes.bottom) : undefined]),
  ]);
  const background = shownRowsDrawn.then(() =>
    Promise.all(displayable.map((uid) => studySeries.load(uid).then((s) => (s.volume ? studySeries.volume(uid) : undefined)))),
  );
  background.catch(() => undefined); // awaited below, after the rows' own errors are reported
  await topShown;
  timings.marks.topLoaded = performance.now();
  showStatus('');
  publish();
  await bottomShown;
  choosePrimaryEverywhere('crosshairs');
  if (structureSet && current) {
    try {
      const labels = await labelmap;
      if (!labels) throw new Error('the revision has no labelmap');
      await startReview(structureSet, current, labels);
    } catch (error) {
      // The images stay usable; only the structures are missing, and the page says why.
      review = null;
      console.error(error);
      const message = byId('review-message', HTMLElement);
      message.textContent = `The structures could not be shown: ${error instanceof Error ? error.message : String(error)}`;
      message.classList.add('error');
      message.hidden = false;
    }
  } else if (structureSet) {
    showStatus('The structures of this study are still being written. Reload in a moment.');
  }
  publish();
  // The study is loaded when the background series are in too.
  await background;
  await Promise.all(
    displayable.map(async (uid) => ((await studySeries.load(uid)).volume ? studySeries.volumeLoaded(uid) : undefined)),
  );
  timings.allLoaded = performance.now();
  publish();
}

/**
 * Cornerstone mounts labelmaps asynchronously, and mounting one of another grid moves the
 * camera of a view; wait for them before (re)centring views and crosshairs.
 */
async function labelmapsMounted(viewportIds: string[]): Promise<void> {
  const wanted = 1 + (review?.layers.structures.size ?? 0);
  const deadline = performance.now() + 5000;
  while (performance.now() < deadline) {
    const mounted = viewportIds.every((id) => {
      const viewport = engine.getViewport(id) as { getActors?: () => unknown[] } | undefined;
      return !viewport?.getActors || viewport.getActors().length >= wanted || id.endsWith('-stack');
    });
    if (mounted) break;
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  await new Promise((resolve) => requestAnimationFrame(resolve));
}

async function startReview(structureSet: StructureSetJson, current: RevisionJson, labels: LabelmapJson): Promise<void> {
  const reference = await studySeries.volume(labels.reference_series_uid);
  const session = new ReviewSession({
    studyUID,
    username,
    canEdit,
    structureSet,
    revision: current,
    labelmap: labels,
    referenceVolumeId: reference.volumeId,
    viewportIds: () =>
      [...panes.top.viewportIds, ...panes.bottom.viewportIds].filter(
        (id) => engine.getViewport(id) !== undefined && !id.endsWith('-stack'),
      ),
    onTool: choosePrimaryEverywhere,
  });
  await session.start();
  review = session;
  setBrushSize(['volume-top', 'volume-bottom'], Number(byId('brush-size', HTMLInputElement).value));
  review.attach([...panes.top.viewportIds, ...panes.bottom.viewportIds]);
  await labelmapsMounted([...panes.top.viewportIds, ...panes.bottom.viewportIds]);
  resetViews();
  publish();
  document.body.dataset.labelmapLoaded = '1';
}

function resetViews(which: SeriesPane[] = Object.values(panes)): void {
  for (const pane of which) {
    for (const id of pane.viewportIds) engine.getViewport(id)?.resetCamera();
  }
  for (const id of which.map((pane) => `volume-${pane.name}`)) {
    const crosshairs = ToolGroupManager.getToolGroup(id)?.getToolInstance(CrosshairsTool.toolName) as
      | { resetCrosshairs?: () => void }
      | undefined;
    crosshairs?.resetCrosshairs?.();
  }
  engine.render();
}

function choose(row: 'top' | 'bottom', uid: string): void {
  const url = new URL(window.location.href);
  url.searchParams.set(row === 'top' ? 'series' : 'bottom', uid);
  window.history.replaceState(null, '', url);
  byId('pane-bottom', HTMLElement).hidden = false;
  showStatus('Loading images…');
  showIn(panes[row], uid)
    .then(() => {
      markCurrent(list, panes.top.seriesUID, panes.bottom.seriesUID);
      showStatus('');
      publish();
    })
    .catch(reportError);
}

function reportError(error: unknown): void {
  console.error(error);
  showStatus(`The images could not be shown: ${error instanceof Error ? error.message : String(error)}`, true);
}

start().catch(reportError);
