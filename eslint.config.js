import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

/**
 * The process boundary is a lint rule: the renderer never imports main-side code, and only
 * src-main/electron imports 'electron'. Inside src-main, the capability folders sit below the
 * composition roots (api/, cli/, host/, electron/), which join them: a capability that imported a
 * root would tie itself to one way of running. test/unit/lint-boundary.test.ts proves each fires.
 */
const COMPOSITION_ROOTS = ["api", "cli", "host", "electron"];
const ONLY_ELECTRON_IMPORTS_ELECTRON = { name: "electron", message: "Only src-main/electron/ may import 'electron'." };

export const boundaryRules = {
  electronOnlyInElectronFolder: {
    files: ["**/*.{ts,tsx,js}"],
    ignores: ["src-main/electron/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: [ONLY_ELECTRON_IMPORTS_ELECTRON] },
      ],
    },
  },
  capabilitiesStayBelowRoots: {
    files: ["src-main/**/*.{ts,js}"],
    ignores: COMPOSITION_ROOTS.map((root) => `src-main/${root}/**`),
    rules: {
      // Replaces the options of the rule above for these files (ESLint does not merge them), so
      // the 'electron' restriction is repeated here.
      "no-restricted-imports": [
        "error",
        {
          paths: [ONLY_ELECTRON_IMPORTS_ELECTRON],
          patterns: [
            {
              // "../api/x.ts", "../../cli/x.ts", "./host/x.ts" (from src-main/'s own files); not "../../src-shared/api/x.ts".
              regex: `^(\\.\\.?/)+(src-main/)?(${COMPOSITION_ROOTS.join("|")})/`,
              message: "A capability may not import a composition root (api/, cli/, host/, electron/); move what it needs into the capability, src-main/base/ or src-shared.",
            },
          ],
        },
      ],
    },
  },
  rendererStaysInRenderer: {
    files: ["src-renderer/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [{ name: "electron", message: "The renderer reaches the main side only through src-shared's API contract." }],
          patterns: [
            { group: ["**/src-main/**", "../src-main/*", "node:*"], message: "The renderer may import src-shared, never src-main or Node built-ins." },
          ],
        },
      ],
    },
  },
};

export default tseslint.config(
  { ignores: ["node_modules/", ".cache/", "dist/", "out/", "release/", "docs/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: "module" },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/consistent-type-definitions": ["error", "type"],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
    },
  },
  { files: ["src-renderer/**"], languageOptions: { globals: { ...globals.browser } } },
  boundaryRules.electronOnlyInElectronFolder,
  boundaryRules.capabilitiesStayBelowRoots,
  boundaryRules.rendererStaysInRenderer,
);
