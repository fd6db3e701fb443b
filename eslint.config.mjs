// Lint: typescript-eslint's strict, type-checked rules over src, test and bench (npm run lint).
// Two rules are tuned, not dropped: numbers and booleans may appear in template strings, and an
// arrow may return a void call in shorthand (`(x) => void f(x)` reads worse).
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".bench/**", "bin/**", "*.mjs", "test/support/*.mjs"] },
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      // `_name` marks a value left out on purpose (`const { mac: _mac, ...rest } = r`).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
);
