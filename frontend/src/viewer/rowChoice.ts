/**
 * Which series the two rows open with: the URL's choice, else the structures' own series and
 * the T1c and FLAIR the site identified, else a guess from the series' descriptions.
 */
import { api, type LabelmapJson } from '../review/api';
import { isDisplayable } from './seriesList';
import type { StudySeries } from './studySeries';

export interface RowChoice {
  /** The series the viewer can draw, in the study's order. */
  displayable: string[];
  top: string | undefined;
  bottom: string | undefined;
}

/** The series the site identified in the study, by kind (T1c, FLAIR, …). */
export async function sequenceUIDs(studyUID: string): Promise<Record<string, string>> {
  try {
    const found = await api.sequences(studyUID);
    const uids: Record<string, string> = {};
    for (const [kind, choice] of Object.entries(found.sequences)) if (choice) uids[kind] = choice.series_instance_uid;
    return uids;
  } catch {
    return {}; // identification is a convenience; descriptions below do without it
  }
}

/** Chooses the rows' series among those listed; `structures` is the labelmap to show, if any. */
export async function chooseRowSeries(
  studySeries: StudySeries,
  sequences: Record<string, string>,
  structures: Promise<LabelmapJson | null> | undefined,
): Promise<RowChoice> {
  const displayable = studySeries.all.filter(isDisplayable).map((s) => s.seriesInstanceUID);
  const params = new URLSearchParams(window.location.search);
  const known = (uid: string | null | undefined): string | undefined => (uid && displayable.includes(uid) ? uid : undefined);
  const byDescription = (pattern: RegExp, exclude: string[]): string | undefined =>
    studySeries.all.find((s) => isDisplayable(s) && !exclude.includes(s.seriesInstanceUID) && pattern.test(s.description))
      ?.seriesInstanceUID;
  // The structures' own series comes first; the T1c the site identified is the same series as
  // a rule, and knowing it spares waiting for the structures before the images.
  const referenceUID =
    structures && !known(params.get('series')) && !known(sequences.T1c)
      ? (await structures.catch(() => null))?.reference_series_uid
      : undefined;
  const top =
    known(params.get('series')) ?? known(referenceUID) ?? known(sequences.T1c) ??
    byDescription(/t1.*(c\b|\+c|gd|post|contrast|ce\b|mprage)/i, []) ?? displayable[0];
  const bottom = top
    ? known(params.get('bottom')) ?? known(sequences.FLAIR) ?? byDescription(/flair/i, [top]) ??
      displayable.find((uid) => uid !== top)
    : undefined;
  return { displayable, top, bottom };
}
