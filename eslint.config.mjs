// npm run lint: typescript-eslint with type information over every TypeScript file (workers, lib,
// schema, tests, client, app, e2e, fuzz, soak). Formatting is Prettier's alone (npm run format:check).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/.wrangler/**", "**/worker-configuration.d.ts", "app/www/**", "test-results/**", "**/*.mjs", "**/*.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Each file is checked with the tsconfig that builds it (workerd, Node, or browser globals).
        project: ["./tsconfig.json", "./tsconfig.node.json", "./client/tsconfig.json", "./client/tsconfig.test.json", "./app/sw/tsconfig.json"],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // RPC methods and interface implementations are async by contract even when a body needs no await.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // Asymmetric matchers (expect.any, expect.stringMatching) are typed `any` by vitest.
    files: ["test/**", "e2e/**", "client/test/**", "browser/**", "fuzz/**", "soak/**"],
    // ws hands frames over as RawData (Buffer | ArrayBuffer | Buffer[]); with the default binaryType it is a Buffer, whose String() is its text.
    rules: { "@typescript-eslint/no-unsafe-assignment": "off", "@typescript-eslint/no-base-to-string": "off" },
  },
  {
    // Its literal widenings (`"valid" as AuthKind`) steer fast-check's generic inference; the rule's
    // "receiver accepts the original type" check misses that, and removing them breaks tsc.
    files: ["fuzz/request-plan.ts"],
    rules: { "@typescript-eslint/no-unnecessary-type-assertion": "off" },
  },
);
