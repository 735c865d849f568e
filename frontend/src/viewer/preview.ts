/**
 * The top row's first series as the server renders its middle slice: an <img> in the page's
 * HTML, fetched while the viewer's script is still loading, so that the reader sees the study
 * at once. The axial volume view takes its place once the series is loaded, or as soon as the
 * reader touches the row or the page chooses another series.
 */
export class FirstPreview {
  private readonly image: HTMLImageElement | null;

  constructor(id: string) {
    const found = document.getElementById(id);
    this.image = found instanceof HTMLImageElement ? found : null;
    if (!this.image) return;
    this.image.addEventListener('error', () => this.remove());
    const row = this.image.closest('.cells');
    for (const name of ['pointerdown', 'wheel', 'keydown'] as const) {
      row?.addEventListener(name, () => this.remove(), { capture: true, once: true, passive: true });
    }
  }

  get seriesUID(): string {
    return this.image?.isConnected ? (this.image.dataset.seriesUid ?? '') : '';
  }

  /**
   * Calls back with the time the preview was painted (ms from navigation start), from the
   * Element Timing API where the browser has it, else from the decoded image's next frame.
   */
  onShown(callback: (at: number) => void): void {
    const image = this.image;
    if (!image) return;
    const identifier = image.getAttribute('elementtiming');
    if (PerformanceObserver.supportedEntryTypes.includes('element')) {
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as (PerformanceEntry & { identifier?: string; renderTime?: number })[]) {
          if (entry.identifier !== identifier || !entry.renderTime) continue;
          observer.disconnect();
          callback(entry.renderTime);
        }
      });
      observer.observe({ type: 'element', buffered: true });
      return;
    }
    // No Element Timing API: the decoded image shows on the next frame.
    image
      .decode()
      .then(() => requestAnimationFrame(() => image.isConnected && callback(performance.now())))
      .catch(() => undefined);
  }

  remove(): void {
    this.image?.remove();
  }
}
