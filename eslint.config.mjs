// ESLint 9 flat config (`npm run lint`; `npm test` runs it after the type check, failing on any warning).
// typescript-eslint's recommended rules, unused variables as errors, lines of at most 160 characters, files of at most
// 300 lines and product functions of at most 60, and the three type-aware rules that keep "every promise is awaited" true. Layout is Prettier's (.prettierrc.json, `npm run format`,
// checked by `npm test` after this lint), with the same 160 columns: max-len stays for what Prettier does not break
// (long strings, template literals, comments).
import js from "@eslint/js";
import stylistic from "@stylistic/eslint-plugin";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["node_modules/", "dist/", "out/", ".netlab/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.mts"],
    plugins: { "@stylistic": stylistic },
    // The type-aware rules read the program tsconfig.json describes (the files the type check covers).
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `_`-prefixed names are the ones an interface or a positional signature requires but the body does not use.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@stylistic/max-len": ["error", { code: 160, tabWidth: 2 }],
      // Size limits count code only (blank lines and comments skipped, in files as in functions): the "why" comments
      // and every field's JSDoc are wanted, and should never be what a file drops to stay under its limit.
      "max-lines": ["error", { max: 300, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Product code's functions stay short. Tests are exempt: a vitest describe() callback holds the whole file's tests.
    files: ["index.ts", "components/**", "lib/**", "cli/**"],
    rules: { "max-lines-per-function": ["error", { max: 60, skipBlankLines: true, skipComments: true }] },
  },
  {
    // Pulumi serializes a dynamic provider together with its closure, so these modules require Node's built-ins
    // inside the functions that use them instead of importing them at the top (see lib/remote/ssh.ts). The SSH runner's
    // modules (ssh.ts and the agent, options and master it calls) are serialized with the providers that call them.
    files: [
      "lib/remote/ssh.ts",
      "lib/remote/ssh-agent.ts",
      "lib/remote/ssh-options.ts",
      "lib/remote/ssh-master.ts",
      "lib/remote/ssh-probe.ts",
      "components/ssh-step.ts",
      "components/join-step.ts",
      "components/bundle-push.ts",
    ],
    rules: { "@typescript-eslint/no-require-imports": ["error", { allow: ["^node:"] }] },
  },
);
