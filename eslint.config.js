import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

/**
 * The process boundary is a lint rule: the renderer never imports main-side code, and only
 * src-main/electron imports 'electron'. test/unit/lint-boundary.test.ts proves both fire.
 */
export const boundaryRules = {
  electronOnlyInElectronFolder: {
    files: ["**/*.{ts,tsx,js}"],
    ignores: ["src-main/electron/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: [{ name: "electron", message: "Only src-main/electron/ may import 'electron'." }] },
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
  boundaryRules.rendererStaysInRenderer,
);
