import { createLogger, defineConfig } from 'vite';

// The codecs' emscripten glue and dcmjs import Node built-ins on code paths a browser never
// takes; Vite warns about each one on every build. Keep the log for warnings that matter.
const logger = createLogger();
const warn = logger.warn.bind(logger);
logger.warn = (message, options) => {
  if (!message.includes('has been externalized for browser compatibility')) warn(message, options);
};

// Django serves frontend/dist under STATIC_URL + "frontend/" (STATICFILES_DIRS prefix), and the
// pages find the hashed file names in dist/.vite/manifest.json. A relative base keeps the
// worker, wasm and chunk URLs relative to the module that loads them, whatever STATIC_URL is.
export default defineConfig({
  customLogger: logger,
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    target: 'es2022',
    // Cornerstone and vtk.js are large by nature; the viewer chunk is expected to be big.
    chunkSizeWarningLimit: 6000,
    rolldownOptions: {
      checks: { pluginTimings: false },
      input: {
        upload: 'src/upload/main.ts',
        viewer: 'src/viewer/main.ts',
        worklist: 'src/worklist/main.ts',
      },
    },
  },
  // The image loader decodes in module workers that import wasm codecs.
  worker: { format: 'es' },
  optimizeDeps: {
    exclude: ['@cornerstonejs/dicom-image-loader'],
    include: ['dicom-parser'],
  },
});
