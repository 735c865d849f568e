/**
 * Milestones of the page's start and the main thread's long tasks, for the benchmark's
 * breakdown (published through ./testHook).
 */

export interface PageTimings {
  /** performance.now() of the first image drawn, and of every series shown fully loaded. */
  firstImage: number | undefined;
  allLoaded: number | undefined;
  /** Milestones of the page's start (ms from navigation start). */
  marks: Record<string, number>;
}

export interface LongTask {
  start: number;
  duration: number;
}

/** Starts the clock: called first thing in the page's script, whose start it marks. */
export function startTimings(): PageTimings {
  return { firstImage: undefined, allLoaded: undefined, marks: { scriptStart: performance.now() } };
}

/** An image drawn at `at`: the first image is the earliest of them. */
export function noteFirstImage(timings: PageTimings, at: number): void {
  timings.firstImage = Math.min(timings.firstImage ?? Infinity, at);
}

/** Main-thread tasks over 50 ms, collected as they happen (browsers without the API: none). */
export function watchLongTasks(): LongTask[] {
  const longTasks: LongTask[] = [];
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // no Long Tasks API
  }
  return longTasks;
}
