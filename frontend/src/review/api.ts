/** The review REST API (/api/v1/), reached with the page's session cookie and CSRF token. */
import { csrfToken } from '../shared/csrf';

export interface Person {
  username: string;
  name: string;
}

export interface StructureSummary {
  name: string;
  volume_ml: number;
  decision?: Decision;
}

export type Decision = 'accepted' | 'rejected' | 'edited';

export interface RevisionJson {
  id: number;
  number: number;
  parent_id: number | null;
  source: 'ai' | 'human';
  author: Person | null;
  created_at: string;
  state: 'writing' | 'ready' | 'failed';
  error: string;
  model_version: { id: number; name: string; version: string } | null;
  structures: StructureSummary[];
  approval: { by: Person; at: string; rtstruct_sop_instance_uid: string } | null;
}

export interface StructureSetJson {
  id: number;
  study_uid: string;
  review_state: string;
  editor: (Person & { since: string }) | null;
  ai_revision_id: number | null;
  current_revision_id: number | null;
  revisions: RevisionJson[];
}

export interface LabelmapStructure {
  name: string;
  number: number;
  color: [number, number, number];
  runs: number[];
}

export interface LabelmapJson {
  revision_id: number;
  reference_series_uid: string;
  instances: string[];
  shape: [number, number, number];
  structures: LabelmapStructure[];
}

export interface MarginsJson {
  CTV: number[];
  PTV: number[];
  ctv_margin_mm: number;
  ptv_margin_mm: number;
}

export interface MetricsRow {
  structure: string;
  dice: number;
  hd95_mm: number | null;
  surface_dice: number;
  apl_mm: number;
  volume_ai_ml: number;
  volume_approved_ml: number;
  volume_change_ml: number;
  volume_change_pct: number | null;
}

export interface Destination {
  id: number;
  name: string;
}

export interface ExportJson {
  id: number;
  revision: number;
  revision_number: number;
  destination: number | null;
  destination_name: string | null;
  kind: string;
  object: string;
  sop_instance_uid: string;
  requested_by: string | null;
  state: string;
  status_code: number | null;
  error: string;
  attempts: number;
  created_at: string;
  finished_at: string | null;
}

export interface SequencesJson {
  sequences: Record<string, { series_instance_uid: string } | null>;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const ROOT = '/api/v1';

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRFToken'] = csrfToken();
  const response = await fetch(`${ROOT}${path}`, {
    method,
    credentials: 'same-origin',
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) throw new ApiError(detailOf(parsed, response), response.status);
  return parsed as T;
}

/** The server's own message when it gave one ({"detail"} or DRF's field errors). */
function detailOf(body: unknown, response: Response): string {
  if (body && typeof body === 'object') {
    const detail = (body as { detail?: unknown }).detail;
    if (typeof detail === 'string') return detail;
    const parts = Object.entries(body as Record<string, unknown>).map(
      ([field, value]) => `${field}: ${Array.isArray(value) ? value.join(' ') : String(value)}`,
    );
    if (parts.length > 0) return parts.join('; ');
  }
  return `The server answered ${response.status} ${response.statusText}.`.replace(' .', '.');
}

export const api = {
  studyStructureSet: (studyUID: string) =>
    request<StructureSetJson>('GET', `/studies/${studyUID}/structure-set/`),
  structureSet: (id: number) => request<StructureSetJson>('GET', `/structure-sets/${id}/`),
  sequences: (studyUID: string) => request<SequencesJson>('GET', `/studies/${studyUID}/sequences/`),
  labelmap: (revisionId: number) => request<LabelmapJson>('GET', `/revisions/${revisionId}/labelmap/`),
  claimEditing: (setId: number) =>
    request<{ editor: (Person & { since: string }) | null }>('POST', `/structure-sets/${setId}/editing/`),
  releaseEditing: (setId: number) => request<void>('DELETE', `/structure-sets/${setId}/editing/`),
  saveRevision: (
    setId: number,
    body: {
      parent_id: number;
      reference_series_uid: string;
      structures: { name: string; decision: Decision; runs: number[] }[];
    },
  ) => request<RevisionJson>('POST', `/structure-sets/${setId}/revisions/`, body),
  margins: (setId: number, body: { reference_series_uid: string; gtv: number[]; brain: number[] }) =>
    request<MarginsJson>('POST', `/structure-sets/${setId}/margins/`, body),
  interpolate: (setId: number, body: { reference_series_uid: string; runs: number[] }) =>
    request<{ runs: number[] }>('POST', `/structure-sets/${setId}/interpolate/`, body),
  approve: (revisionId: number, password: string) =>
    request<RevisionJson>('POST', `/revisions/${revisionId}/approve/`, { password }),
  metrics: (revisionId: number) =>
    request<{ ai_revision_id: number; structures: MetricsRow[] }>('GET', `/revisions/${revisionId}/metrics/`),
  destinations: () => request<Destination[]>('GET', '/export-destinations/'),
  sendExport: (revisionId: number, destination: number, objects: string[]) =>
    request<ExportJson[]>('POST', `/revisions/${revisionId}/exports/`, { destination, objects }),
  exportHistory: (studyUID: string) => request<ExportJson[]>('GET', `/studies/${studyUID}/exports/`),
  downloadUrl: (revisionId: number, object: 'rtstruct' | 'seg') => `${ROOT}/revisions/${revisionId}/${object}/`,
};
