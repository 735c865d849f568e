/** The side panel listing a study's series; one click shows a series above, one below. */
import type { SeriesSummary } from './dicomweb';

// Objects without a pixel stack of their own (contours, reports, states) are listed, not shown.
const NON_IMAGE_MODALITIES = new Set(['SEG', 'RTSTRUCT', 'RTPLAN', 'RTDOSE', 'SR', 'PR', 'KO', 'REG', 'DOC']);

export function isDisplayable(series: SeriesSummary): boolean {
  return !NON_IMAGE_MODALITIES.has(series.modality.toUpperCase());
}

export function seriesLabel(series: SeriesSummary): string {
  const number = series.seriesNumber === undefined ? '' : `#${series.seriesNumber} `;
  return `${number}${series.description || '(no description)'}`;
}

export function renderSeriesList(
  list: HTMLOListElement,
  series: SeriesSummary[],
  onTop: (seriesUID: string) => void,
  onBottom: (seriesUID: string) => void,
): void {
  list.replaceChildren(
    ...series.map((item) => {
      const li = document.createElement('li');
      li.dataset.seriesUid = item.seriesInstanceUID;
      const body = isDisplayable(item) ? document.createElement('a') : document.createElement('span');
      if (body instanceof HTMLAnchorElement) {
        body.href = `?series=${encodeURIComponent(item.seriesInstanceUID)}`;
        body.title = 'Show above';
        body.addEventListener('click', (event) => {
          event.preventDefault();
          onTop(item.seriesInstanceUID);
        });
      }
      const title = document.createElement('span');
      title.className = 'series-title';
      title.textContent = seriesLabel(item);
      const facts = document.createElement('span');
      facts.className = 'series-facts';
      const count = item.instanceCount === undefined ? '' : ` · ${item.instanceCount} images`;
      facts.textContent = `${item.modality || '?'}${count}`;
      body.append(title, facts);
      li.append(body);
      if (isDisplayable(item)) {
        const below = document.createElement('button');
        below.type = 'button';
        below.className = 'show-below';
        below.textContent = 'Below';
        below.setAttribute('aria-label', `Show ${seriesLabel(item)} below`);
        below.addEventListener('click', () => onBottom(item.seriesInstanceUID));
        li.append(below);
      }
      return li;
    }),
  );
}

export function markCurrent(list: HTMLOListElement, topUID: string, bottomUID?: string): void {
  for (const li of Array.from(list.children)) {
    if (!(li instanceof HTMLLIElement)) continue;
    const current = li.dataset.seriesUid === topUID;
    li.classList.toggle('current', current);
    li.classList.toggle('below', li.dataset.seriesUid === bottomUID);
    const link = li.querySelector('a');
    if (current) link?.setAttribute('aria-current', 'true');
    else link?.removeAttribute('aria-current');
  }
}
