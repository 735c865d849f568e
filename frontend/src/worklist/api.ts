/** The worklist endpoint (GET /api/v1/worklist/) and the job request, as the page uses them. */

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';
export type ReviewState = 'to_review' | 'in_review' | 'approved' | 'exported';

export interface WorklistJob {
  id: number;
  state: JobState;
  percent: number;
  stage: string;
  error: string;
}

export interface WorklistReviewer {
  username: string;
  name: string;
  editing: boolean;
  since: string | null;
}

export interface WorklistRow {
  study_uid: string;
  patient_name: string;
  patient_id: string;
  study_date: string;
  sequences: string[];
  job: WorklistJob | null;
  review_state: ReviewState | null;
  reviewer: WorklistReviewer | null;
  structure_set_id: number | null;
  viewer_url: string;
  may_run_ai: boolean;
}

export interface WorklistPage {
  count: number;
  page: number;
  num_pages: number;
  results: WorklistRow[];
}

/** An answer other than 2xx; ``detail`` is the server's reason, written for people. */
export class RequestFailed extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'RequestFailed';
  }
}

async function failure(response: Response): Promise<RequestFailed> {
  const body: unknown = await response.json().catch(() => null);
  const detail =
    body && typeof body === 'object' && 'detail' in body && typeof body.detail === 'string'
      ? body.detail
      : `The server answered ${response.status}.`;
  return new RequestFailed(response.status, detail);
}

/** The same page of the worklist as the one shown (same search, state and page number). */
export async function fetchWorklist(apiUrl: string, search: string): Promise<WorklistPage> {
  const response = await fetch(apiUrl + search, {
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as WorklistPage;
}

/** POST studies/<uid>/jobs/: the new job, or the reason none was made. */
export async function startJob(url: string, csrfToken: string): Promise<WorklistJob> {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'X-CSRFToken': csrfToken },
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as WorklistJob;
}
