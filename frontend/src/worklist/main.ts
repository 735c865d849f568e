// The worklist page's live job progress and review states.
export {};
