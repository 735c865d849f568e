/** The job, review and reviewer cells of a row, drawn as the server's template draws them. */
import type { JobState, ReviewState, WorklistJob, WorklistRow } from './api';

const JOB_LABELS: Record<JobState, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
};
const REVIEW_LABELS: Record<ReviewState, string> = {
  to_review: 'To review',
  in_review: 'In review',
  approved: 'Approved',
  exported: 'Exported',
};

function span(text: string, className: string): HTMLSpanElement {
  const element = document.createElement('span');
  element.className = className;
  element.textContent = text;
  return element;
}

export function isLive(job: WorklistJob | null): boolean {
  return job !== null && (job.state === 'queued' || job.state === 'running');
}

export function drawJob(cell: HTMLTableCellElement, job: WorklistJob | null): void {
  if (job === null) {
    delete cell.dataset.jobState;
    cell.replaceChildren(span('none', 'muted'));
    return;
  }
  cell.dataset.jobState = job.state;
  let label = JOB_LABELS[job.state];
  if (job.state === 'running') label += ` ${job.percent}%`;
  if (job.state === 'failed') label += `: ${job.error}`;
  const parts: HTMLElement[] = [span(label, 'job-label')];
  if (job.state === 'running') {
    const bar = document.createElement('progress');
    bar.max = 100;
    bar.value = job.percent;
    bar.setAttribute('aria-label', 'AI progress');
    parts.push(bar);
  }
  if (isLive(job) && job.stage) parts.push(span(job.stage, 'stage'));
  cell.replaceChildren(...parts);
}

export function drawReview(
  reviewCell: HTMLTableCellElement,
  reviewerCell: HTMLTableCellElement,
  row: WorklistRow,
): void {
  const state = row.review_state;
  if (state === null) {
    delete reviewCell.dataset.reviewState;
    reviewCell.replaceChildren(span('—', 'muted'));
  } else {
    reviewCell.dataset.reviewState = state;
    reviewCell.replaceChildren(span(REVIEW_LABELS[state], `review-badge ${state}`));
  }
  const reviewer = row.reviewer;
  if (reviewer === null) {
    reviewerCell.replaceChildren();
  } else {
    const parts: (string | HTMLElement)[] = [reviewer.name];
    if (reviewer.editing) parts.push(' ', span('(editing now)', 'muted'));
    reviewerCell.replaceChildren(...parts);
  }
}
