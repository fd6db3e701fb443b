// Lint: typescript-eslint's strict, type-checked rules over src, test and bench (npm run lint).
// Tuned, not dropped, for src: numbers and booleans may appear in template strings; an arrow may
// return a void call in shorthand (`(x) => void f(x)` reads worse), and a function declared or
// contextually typed as returning void may `return f()` of a void call (`return ctx.out.info(…)`
// ends a command handler: nothing is returned either way).
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".bench/**", "bin/**", "*.mjs", "test/support/*.mjs"] },
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true }],
      // `_name` marks a value left out on purpose (`const { mac: _mac, ...rest } = r`).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      // The source marks its deliberate control-character regexes (terminal sanitising) with
      // `eslint-disable-next-line no-control-regex`; keep the rule on so those marks stay meaningful.
      "no-control-regex": "error",
    },
  },
  {
    // Tests read the CLI's JSON output (JSON.parse gives `any`) and index into fixtures they have
    // just built, so the no-unsafe-* family and non-null assertions are noise there, not risk.
    // Every other strict rule still applies to tests.
    files: ["test/**"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    // bench/*.mjs is plain JavaScript outside the TypeScript project: lint it without type information.
    files: ["bench/**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
);
