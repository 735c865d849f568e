/** The viewer page: a study's series on the left, the chosen one in a stack viewport. */
import './viewer.css';
import { byId } from '../shared/dom';
import { initCornerstone } from './cornerstone';
import { DicomWebClient, type SeriesSummary } from './dicomweb';
import { registerSeries } from './series';
import { isDisplayable, markCurrent, renderSeriesList, seriesLabel } from './seriesList';
import { StackView } from './stack';
import { publishViewerHook } from './testHook';

const root = byId('viewer', HTMLElement);
const studyUID = root.dataset.studyUid ?? '';
const client = new DicomWebClient(
  new URL(root.dataset.dicomwebRoot ?? '/dicomweb', window.location.href).href.replace(/\/$/, ''),
);
const list = byId('series-list', HTMLOListElement);
const status = byId('viewer-status', HTMLElement);
const overlaySeries = byId('overlay-series', HTMLElement);
const overlayIndex = byId('overlay-index', HTMLElement);
const overlayWindow = byId('overlay-window', HTMLElement);

let stack: StackView | undefined;
let loading = 0;

function showStatus(message: string, isError = false): void {
  status.textContent = message;
  status.hidden = message === '';
  status.classList.toggle('error', isError);
  status.setAttribute('role', isError ? 'alert' : 'status');
}

function stackView(): StackView {
  stack ??= new StackView(byId('viewport', HTMLDivElement), {
    showImageIndex: (index, count) => (overlayIndex.textContent = `Image ${index + 1} / ${count}`),
    showWindow: (width, center) =>
      (overlayWindow.textContent = `W ${Math.round(width)} · L ${Math.round(center)}`),
  });
  return stack;
}

async function showSeries(series: SeriesSummary): Promise<void> {
  const attempt = ++loading;
  markCurrent(list, series.seriesInstanceUID);
  overlaySeries.textContent = `${series.modality} ${seriesLabel(series)}`;
  showStatus('Loading images…');
  const instances = await client.seriesMetadata(studyUID, series.seriesInstanceUID);
  if (attempt !== loading) return; // the user chose another series meanwhile
  const imageIds = registerSeries(client, studyUID, series.seriesInstanceUID, instances);
  if (imageIds.length === 0) {
    showStatus('This series has no images.');
    return;
  }
  await stackView().show(imageIds);
  if (attempt !== loading) return;
  showStatus('');
  publishViewerHook(imageIds);
}

async function start(): Promise<void> {
  initCornerstone();
  const allSeries = await client.searchSeries(studyUID);
  const choose = (uid: string): void => {
    const chosen = allSeries.find((s) => s.seriesInstanceUID === uid);
    if (!chosen) return;
    const url = new URL(window.location.href);
    url.searchParams.set('series', uid);
    window.history.replaceState(null, '', url);
    showSeries(chosen).catch(reportError);
  };
  renderSeriesList(list, allSeries, choose);
  const wanted = new URLSearchParams(window.location.search).get('series');
  const first =
    allSeries.find((s) => s.seriesInstanceUID === wanted) ?? allSeries.find(isDisplayable);
  if (!first) {
    showStatus(allSeries.length === 0 ? 'This study has no series.' : 'No series here has images.');
    return;
  }
  await showSeries(first);
}

function reportError(error: unknown): void {
  console.error(error);
  showStatus(`The images could not be shown: ${error instanceof Error ? error.message : String(error)}`, true);
}

start().catch(reportError);
