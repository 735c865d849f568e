/**
 * The worklist page: the server renders the rows; this follows them live. Every few seconds it
 * asks the API for the same page and redraws the job, review and reviewer cells that changed,
 * and the "Run AI contouring" buttons ask for a job without leaving the page.
 */
import { csrfToken } from '../shared/csrf';
import { byId } from '../shared/dom';
import { fetchWorklist, RequestFailed, startJob, type WorklistRow } from './api';
import { drawJob, drawReview, isLive } from './cells';

const POLL_MS = 4000;

interface RowCells {
  job: HTMLTableCellElement;
  review: HTMLTableCellElement;
  reviewer: HTMLTableCellElement;
  form: HTMLFormElement | null;
  message: HTMLElement | null;
  drawn: string; // the row's last JSON, so an unchanged row is not touched
}

function rowCells(tr: HTMLTableRowElement): RowCells | null {
  const job = tr.querySelector<HTMLTableCellElement>('td.job');
  const review = tr.querySelector<HTMLTableCellElement>('td.review');
  const reviewer = tr.querySelector<HTMLTableCellElement>('td.reviewer');
  if (!job || !review || !reviewer) return null;
  return {
    job,
    review,
    reviewer,
    form: tr.querySelector<HTMLFormElement>('form.run-ai'),
    message: tr.querySelector<HTMLElement>('.run-ai-message'),
    drawn: '',
  };
}

function redraw(cells: RowCells, row: WorklistRow): void {
  const json = JSON.stringify([row.job, row.review_state, row.reviewer, row.may_run_ai]);
  if (json === cells.drawn) return;
  cells.drawn = json;
  drawJob(cells.job, row.job);
  drawReview(cells.review, cells.reviewer, row);
  if (cells.form) cells.form.hidden = !row.may_run_ai;
}

function start(): void {
  const root = byId('worklist-page', HTMLElement);
  const apiUrl = root.dataset.apiUrl ?? '/api/v1/worklist/';
  const pollMs = Number(root.dataset.pollMs ?? POLL_MS) || POLL_MS;
  const notice = byId('worklist-notice', HTMLElement);
  const rows = new Map<string, RowCells>();
  for (const tr of root.querySelectorAll<HTMLTableRowElement>('tr[data-study-uid]')) {
    const cells = rowCells(tr);
    if (cells && tr.dataset.studyUid) rows.set(tr.dataset.studyUid, cells);
  }
  const say = (text: string): void => {
    notice.textContent = text;
    notice.hidden = text === '';
  };

  let timer: number | undefined;
  const poll = async (): Promise<void> => {
    timer = undefined;
    try {
      const page = await fetchWorklist(apiUrl, window.location.search);
      for (const row of page.results) {
        const cells = rows.get(row.study_uid);
        if (cells) redraw(cells, row);
      }
      const fresh = page.results.filter((row) => !rows.has(row.study_uid)).length;
      say(fresh > 0 ? `${fresh} more ${fresh === 1 ? 'study' : 'studies'} on this page: reload to see them.` : '');
    } catch (error) {
      if (error instanceof RequestFailed && (error.status === 401 || error.status === 403)) {
        say('Your session has ended. Log in again to follow the worklist.');
        return; // polling again would fail the same way
      }
      say('The server cannot be reached; the worklist will update when it answers again.');
    }
    if (!document.hidden) timer = window.setTimeout(() => void poll(), pollMs);
  };
  // A tab in the background stops polling and catches up when it is shown again.
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && timer === undefined) void poll();
  });
  timer = window.setTimeout(() => void poll(), pollMs);

  for (const [, cells] of rows) {
    const form = cells.form;
    if (!form) continue;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const button = form.querySelector('button');
      if (button) button.disabled = true;
      if (cells.message) cells.message.textContent = '';
      startJob(form.dataset.apiUrl ?? '', csrfToken())
        .then((job) => {
          cells.drawn = '';
          drawJob(cells.job, job);
          form.hidden = isLive(job);
        })
        .catch((error: unknown) => {
          const text = error instanceof RequestFailed ? error.detail : 'Could not start the job.';
          if (cells.message) cells.message.textContent = text;
        })
        .finally(() => {
          if (button) button.disabled = false;
        });
    });
  }
}

start();
