/**
 * The review page: a study's series in two rows (T1c above, FLAIR below by default), each in
 * axial, coronal and sagittal views with crosshairs, and the structures of the study's newest
 * revision over them, editable by physicians (see ../review/). This module starts the page: the
 * order in which series load, the status line, and the test hook.
 */
import './viewer.css';
import { cache } from '@cornerstonejs/core';
import { api, type LabelmapJson } from '../review/api';
import { byId } from '../shared/dom';
import { initCornerstone } from './cornerstone';
import { DicomWebClient } from './dicomweb';
import { FirstPreview } from './preview';
import { newestWritten, startReview, structureSetOrNull } from './reviewStart';
import { chooseRowSeries, sequenceUIDs } from './rowChoice';
import { type Row, ViewerRows } from './rows';
import { markCurrent, renderSeriesList } from './seriesList';
import { StudySeries } from './studySeries';
import { publishViewerHook } from './testHook';
import { noteFirstImage, startTimings, watchLongTasks } from './timings';
import { choosePrimaryEverywhere, wireToolbar } from './toolbar';

const root = byId('viewer', HTMLElement);
const studyUID = root.dataset.studyUid ?? '';
const canEdit = root.dataset.canEdit === '1';
const username = root.dataset.username ?? '';
const client = new DicomWebClient(
  new URL(root.dataset.dicomwebRoot ?? '/dicomweb', window.location.href).href.replace(/\/$/, ''),
);
const list = byId('series-list', HTMLOListElement);
const status = byId('viewer-status', HTMLElement);
const timings = startTimings();
const longTasks = watchLongTasks();
const preview = new FirstPreview('first-preview');
preview.onShown((at) => {
  timings.marks.previewShown = at;
  noteFirstImage(timings, at);
});

const studySeries = new StudySeries(client, studyUID, (summary) => {
  timings.marks[`metadata-${summary.seriesNumber ?? summary.seriesInstanceUID}`] ??= performance.now();
});
let rows: ViewerRows;

function showStatus(message: string, isError = false): void {
  status.textContent = message;
  status.hidden = message === '';
  status.classList.toggle('error', isError);
  status.setAttribute('role', isError ? 'alert' : 'status');
}

function publish(): void {
  const { top, bottom } = rows;
  publishViewerHook({
    imageIds: top.mode === 'volume' ? (cache.getVolume(top.volumeId)?.imageIds ?? top.imageIds) : top.imageIds,
    seriesUID: top.seriesUID,
    bottomSeriesUID: bottom.seriesUID,
    timings,
    longTasks,
    review: rows.review?.hook ?? null,
    rowsLinked: () => rows.linked,
    views: () => rows.views(),
  });
}

async function start(): Promise<void> {
  initCornerstone();
  rows = new ViewerRows(studySeries, preview, timings);
  wireToolbar(rows);
  const [, structureSet, sequences] = await Promise.all([
    studySeries.list(),
    structureSetOrNull(root.dataset.structureSetId),
    sequenceUIDs(studyUID),
  ]);
  timings.marks.seriesListed = performance.now();
  const current = newestWritten(structureSet);
  const labelmap: Promise<LabelmapJson | null> = current ? api.labelmap(current.id) : Promise.resolve(null);
  labelmap.catch(() => undefined);
  const { displayable, top: topUID, bottom: bottomUID } = await chooseRowSeries(
    studySeries,
    sequences,
    current ? labelmap : undefined,
  );
  renderSeriesList(list, studySeries.all, (uid) => choose('top', uid), (uid) => choose('bottom', uid));
  if (!topUID) {
    showStatus(studySeries.all.length === 0 ? 'This study has no series.' : 'No series here has images.');
    return;
  }
  showStatus('Loading images…');
  markCurrent(list, topUID, bottomUID);
  const topShown = rows.show(rows.top, topUID);
  // The second row waits for the first row's first image: both would share the server and the
  // CPU, and the reader looks at the T1c first.
  const bottomShown = bottomUID
    ? Promise.race([topShown.then(() => undefined), rows.waitForFirstImage(rows.top)]).then(() => rows.show(rows.bottom, bottomUID))
    : Promise.resolve();
  if (!bottomUID) byId('pane-bottom', HTMLElement).hidden = true;
  // Every other series of the study streams in the background once both rows show an image
  // (they have the server to themselves before that): one click then shows it at once.
  const shownRowsDrawn = Promise.all([
    Promise.race([topShown, rows.waitForFirstImage(rows.top)]),
    Promise.race([bottomShown, bottomUID ? rows.waitForFirstImage(rows.bottom) : undefined]),
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
  choosePrimaryEverywhere(rows, 'crosshairs');
  if (structureSet && current) {
    await startReview({ rows, studySeries, studyUID, username, canEdit, structureSet, current, labelmap, onShown: publish });
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

function choose(row: Row, uid: string): void {
  const url = new URL(window.location.href);
  url.searchParams.set(row === 'top' ? 'series' : 'bottom', uid);
  window.history.replaceState(null, '', url);
  byId('pane-bottom', HTMLElement).hidden = false;
  showStatus('Loading images…');
  rows
    .show(rows.pane(row), uid)
    .then(() => {
      markCurrent(list, rows.top.seriesUID, rows.bottom.seriesUID);
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
