import { defineConfig } from 'vite';

// Django serves frontend/dist under STATIC_URL + "frontend/" (STATICFILES_DIRS prefix), and the
// pages find the hashed file names in dist/.vite/manifest.json. A relative base keeps the
// worker, wasm and chunk URLs relative to the module that loads them, whatever STATIC_URL is.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    target: 'es2022',
    // Cornerstone and vtk.js are large by nature; the viewer chunk is expected to be big.
    chunkSizeWarningLimit: 6000,
    rollupOptions: {
      input: {
        upload: 'src/upload/main.ts',
        viewer: 'src/viewer/main.ts',
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
