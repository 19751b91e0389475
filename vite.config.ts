import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

// base "./": the same build is loaded from file:// by Electron and from the loopback host's "/".
export default defineConfig({
  root: `${here}src-renderer`,
  base: "./",
  plugins: [react()],
  build: { outDir: `${here}dist/renderer`, emptyOutDir: true },
});
